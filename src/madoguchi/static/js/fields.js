/* Progressive enhancement for procedure fields. Everything works without this file.
 * - show_if: fields with data-show-if are hidden while their condition does not hold,
 *   using the answers on the same page (the server checks again on submit). Conditions
 *   are the JSON forms or {"expr": "..."} in the rule language (docs/rules.md).
 * - cascading choices (data-choice-filter): the options of a list narrowed to those that fit
 *   the answer to an earlier question on the same page (XLSForm choice_filter).
 * - computed values (<output data-expression>) are recalculated as the applicant types (in a
 *   repeating group's row, from that row's answers and the form's other answers).
 * - 住所検索: the 「郵便番号から住所を入力」 button fills the address from
 *   GET /api/v1/postal-codes/{code} without reloading; on any failure the button
 *   submits the form as usual so the server does the lookup.
 * Under node (tests) the file only exports the rule evaluator: module.exports = Rules.
 */
(function () {
  "use strict";

  // Messages come translated from the page (procedure_fields.fields_script); Japanese if absent.
  var MESSAGES = (function () {
    if (typeof document === "undefined") return {}; // node: the rule-parity test
    var block = document.getElementById("mdg-fields-messages");
    try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
  })();
  function msg(key, fallback) { return MESSAGES[key] || fallback; }

  /* ------------------------------------------------------------------ rules
   * The expression language of procedures/rules (docs/rules.md), the same semantics as
   * the Python evaluator; procedures/rules/cases.json is the shared table both pass.
   */
  var Rules = (function () {
    var YES = ["yes", "true", "on", "1", "はい", "y"];
    var NO = ["no", "false", "off", "0", "いいえ", "n"];
    var OPS = { "==": "==", "=": "==", "!=": "!=", "≠": "!=", "<=": "<=", "≤": "<=", "≦": "<=",
      ">=": ">=", "≥": ">=", "≧": ">=", "<": "<", ">": ">", "&&": "and", "||": "or", "!": "not" };
    var TOKEN = /^(?:(\s+)|(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|「[^」]*」)|([A-Za-z][A-Za-z0-9_]*)|(==|!=|<=|>=|&&|\|\||[=≠≤≦≥≧<>!+\-*\/(),.\[\]]))/;
    var ARITY = { today: [0, 0], age: [1, 2], days: [2, 2], add_days: [2, 2], year: [1, 1], month: [1, 1],
      sum: [1, null], count: [1, null], min: [1, null], max: [1, null], round: [1, 2], floor: [1, 1],
      abs: [1, 1], len: [1, 1], empty: [1, 1], contains: [2, 2], "if": [3, 3] };
    var KEYWORDS = ["and", "or", "not", "true", "false", "null", "in"];

    function SyntaxErr(message) { this.message = message; }

    function tokenize(text) {
      text = text.normalize("NFKC");
      var tokens = [], pos = 0;
      while (pos < text.length) {
        var m = TOKEN.exec(text.slice(pos));
        if (!m) throw new SyntaxErr("bad character at " + (pos + 1));
        var value = m[0], kind;
        if (m[1]) kind = "space";
        else if (m[2]) kind = "number";
        else if (m[3]) {
          kind = "string";
          value = value.charAt(0) === "「" ? value.slice(1, -1) : value.slice(1, -1).replace(/\\(.)/g, "$1");
        } else if (m[4]) kind = "name";
        else {
          kind = "op";
          if (OPS[value]) value = OPS[value];
          if (value === "and" || value === "or" || value === "not") kind = "name";
        }
        if (kind !== "space") tokens.push({ kind: kind, value: value, pos: pos });
        pos += m[0].length;
      }
      tokens.push({ kind: "end", value: "", pos: text.length });
      return tokens;
    }

    function parse(text) {
      var tokens = tokenize(text), i = 0;
      function cur() { return tokens[i]; }
      function at(kind, values) {
        var t = tokens[i];
        return t.kind === kind && (!values || values.indexOf(t.value) !== -1);
      }
      function expect(value) {
        if (!at("op", [value])) throw new SyntaxErr("expected " + value);
        i++;
      }
      function list(closing) {
        var items = [];
        if (at("op", [closing])) { i++; return items; }
        for (;;) {
          items.push(parseOr());
          if (at("op", [","])) { i++; continue; }
          expect(closing);
          return items;
        }
      }
      function parseOr() {
        var left = parseAnd();
        while (at("name", ["or"])) { i++; left = ["or", left, parseAnd()]; }
        return left;
      }
      function parseAnd() {
        var left = parseNot();
        while (at("name", ["and"])) { i++; left = ["and", left, parseNot()]; }
        return left;
      }
      function parseNot() {
        if (at("name", ["not"])) { i++; return ["not", parseNot()]; }
        return parseCompare();
      }
      function parseCompare() {
        var left = parseSum();
        if (at("op", ["==", "!=", "<", "<=", ">", ">="])) { var op = tokens[i++].value; return ["cmp", op, left, parseSum()]; }
        if (at("name", ["in"])) { i++; return ["in", left, parseSum()]; }
        return left;
      }
      function parseSum() {
        var left = parseProduct();
        while (at("op", ["+", "-"])) { var op = tokens[i++].value; left = ["arith", op, left, parseProduct()]; }
        return left;
      }
      function parseProduct() {
        var left = parseUnary();
        while (at("op", ["*", "/"])) { var op = tokens[i++].value; left = ["arith", op, left, parseUnary()]; }
        return left;
      }
      function parseUnary() {
        if (at("op", ["-"])) { i++; return ["neg", parseUnary()]; }
        return parsePrimary();
      }
      function parsePrimary() {
        var t = cur();
        if (t.kind === "number") { i++; return ["num", parseFloat(t.value)]; }
        if (t.kind === "string") { i++; return ["str", t.value]; }
        if (at("op", ["("])) { i++; var inner = parseOr(); expect(")"); return inner; }
        if (at("op", ["["])) { i++; return ["list", list("]")]; }
        if (t.kind === "name" && ["and", "or", "not", "in"].indexOf(t.value) === -1) {
          i++;
          if (t.value === "true") return ["bool", true];
          if (t.value === "false") return ["bool", false];
          if (t.value === "null") return ["null"];
          if (at("op", ["("])) {
            var arity = ARITY[t.value];
            if (!arity) throw new SyntaxErr("unknown function " + t.value);
            i++;
            var args = list(")");
            if (args.length < arity[0] || (arity[1] !== null && args.length > arity[1])) throw new SyntaxErr("arity");
            return ["call", t.value, args];
          }
          var path = [t.value];
          while (at("op", ["."])) {
            i++;
            if (!at("name") || KEYWORDS.indexOf(cur().value) !== -1) throw new SyntaxErr("expected a key");
            path.push(tokens[i++].value);
          }
          return ["ref", path.join(".")];
        }
        throw new SyntaxErr("unexpected token");
      }
      if (at("end")) throw new SyntaxErr("empty");
      var tree = parseOr();
      if (!at("end")) throw new SyntaxErr("trailing input");
      return tree;
    }

    function isArray(v) { return Object.prototype.toString.call(v) === "[object Array]"; }
    function isObject(v) { return v !== null && typeof v === "object" && !isArray(v); }

    function normalizeValue(v) {
      if (v === null || v === undefined) return null;
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return isFinite(v) ? v : null;
      if (typeof v === "string") return v.trim() !== "" ? v : null;
      if (isArray(v)) {
        var items = v.map(normalizeValue);
        return items.some(function (x) { return x !== null; }) ? items : null;
      }
      if (isObject(v)) {
        var out = {}, any = false;
        Object.keys(v).forEach(function (k) { out[k] = normalizeValue(v[k]); if (out[k] !== null) any = true; });
        return any ? out : null;
      }
      return String(v);
    }

    function lookup(data, path) {
      var value = data;
      var parts = path.split(".");
      for (var n = 0; n < parts.length; n++) {
        var part = parts[n];
        if (isObject(value)) value = Object.prototype.hasOwnProperty.call(value, part) ? value[part] : null;
        else if (isArray(value)) value = value.map(function (row) { return isObject(row) && Object.prototype.hasOwnProperty.call(row, part) ? row[part] : null; });
        else return null;
      }
      return normalizeValue(value);
    }

    function toNumber(v) {
      if (v === null || typeof v === "boolean") return null;
      if (typeof v === "number") return isFinite(v) ? v : null;
      if (typeof v === "string") {
        var text = v.normalize("NFKC").trim().replace(/,/g, "");
        if (text.slice(-1) === "円") text = text.slice(0, -1);
        if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text)) return parseFloat(text);
      }
      return null;
    }
    function toBool(v) {
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return v === 1 ? true : v === 0 ? false : null;
      if (typeof v === "string") {
        var t = v.trim().toLowerCase();
        return YES.indexOf(t) !== -1 ? true : NO.indexOf(t) !== -1 ? false : null;
      }
      return null;
    }
    function truth(v) {
      if (v === null) return null;
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return v !== 0;
      if (typeof v === "string") return NO.indexOf(v.trim().toLowerCase()) === -1;
      return true;
    }
    function toDate(v) {
      if (typeof v !== "string") return null;
      var s = v.trim();
      if (s.length < 10) return null;
      var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.slice(0, 10));
      if (!m) return null;
      var y = +m[1], mo = +m[2], d = +m[3];
      var date = new Date(Date.UTC(y, mo - 1, d));
      if (y < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
      return { y: y, m: mo, d: d, t: Date.UTC(y, mo - 1, d) };
    }
    function iso(t) { return new Date(t).toISOString().slice(0, 10); }
    function sameJson(a, b) { return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)); }
    function sortKeys(v) {
      if (isArray(v)) return v.map(sortKeys);
      if (isObject(v)) { var o = {}; Object.keys(v).sort().forEach(function (k) { o[k] = sortKeys(v[k]); }); return o; }
      return v;
    }
    function equals(a, b) {
      if (a === null || b === null) return a === null && b === null;
      if (isArray(a) && isArray(b)) {
        if (a.length !== b.length) return false;
        for (var n = 0; n < a.length; n++) if (!equals(a[n], b[n])) return false;
        return true;
      }
      if (isArray(a)) return a.some(function (x) { return equals(x, b); });
      if (isArray(b)) return b.some(function (y) { return equals(a, y); });
      if (typeof a === "boolean" || typeof b === "boolean") { var l = toBool(a), r = toBool(b); return l !== null && l === r; }
      if (typeof a === "number" || typeof b === "number") { var ln = toNumber(a), rn = toNumber(b); return ln !== null && ln === rn; }
      if (isObject(a) || isObject(b)) return isObject(a) && isObject(b) && sameJson(a, b);
      return a === b;
    }
    function codePointLess(a, b) {
      var x = Array.from(a), y = Array.from(b);
      for (var n = 0; n < Math.min(x.length, y.length); n++) {
        var p = x[n].codePointAt(0), q = y[n].codePointAt(0);
        if (p !== q) return p < q ? -1 : 1;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    function compare(op, a, b) {
      if (a === null || b === null) return null;
      var ln = toNumber(a), rn = toNumber(b), c;
      if (ln !== null && rn !== null) c = ln < rn ? -1 : ln > rn ? 1 : 0;
      else if (typeof a === "string" && typeof b === "string") c = codePointLess(a, b);
      else return null;
      if (op === "<") return c < 0;
      if (op === "<=") return c <= 0;
      if (op === ">") return c > 0;
      return c >= 0;
    }
    function arith(op, a, b) {
      var l = toNumber(a), r = toNumber(b), result;
      if (l === null || r === null) return null;
      if (op === "+") result = l + r;
      else if (op === "-") result = l - r;
      else if (op === "*") result = l * r;
      else { if (r === 0) return null; result = l / r; }
      return isFinite(result) ? result : null;
    }
    function flatten(values) {
      var out = [];
      values.forEach(function (v) { if (isArray(v)) out = out.concat(flatten(v)); else out.push(v); });
      return out;
    }
    function extreme(pick) {
      return function (ctx, args) {
        var best = null;
        flatten(args).forEach(function (item) { var n = toNumber(item); if (n !== null && (best === null || pick(n, best))) best = n; });
        return best;
      };
    }
    function datePart(index) {
      return function (ctx, args) { var d = toDate(args[0]); return d === null ? null : [d.y, d.m, d.d][index]; };
    }
    var FUNCTIONS = {
      today: function (ctx) { return ctx.today; },
      age: function (ctx, args) {
        var born = toDate(args[0]), on = args.length > 1 ? toDate(args[1]) : toDate(ctx.today);
        if (born === null || on === null) return null;
        var before = on.m < born.m || (on.m === born.m && on.d < born.d);
        return on.y - born.y - (before ? 1 : 0);
      },
      days: function (ctx, args) {
        var a = toDate(args[0]), b = toDate(args[1]);
        return a === null || b === null ? null : Math.round((b.t - a.t) / 86400000);
      },
      add_days: function (ctx, args) {
        var d = toDate(args[0]), n = toNumber(args[1]);
        if (d === null || n === null || Math.floor(n) !== n || Math.abs(n) > 100000) return null;
        var t = d.t + n * 86400000;
        var y = new Date(t).getUTCFullYear();
        return y < 1 || y > 9999 ? null : iso(t);
      },
      year: datePart(0),
      month: datePart(1),
      sum: function (ctx, args) {
        var total = 0;
        flatten(args).forEach(function (item) { var n = toNumber(item); if (n !== null) total += n; });
        return total;
      },
      count: function (ctx, args) { return flatten(args).filter(function (x) { return x !== null; }).length; },
      min: extreme(function (a, b) { return a < b; }),
      max: extreme(function (a, b) { return a > b; }),
      round: function (ctx, args) {
        var n = toNumber(args[0]), p = args.length > 1 ? toNumber(args[1]) : 0;
        if (n === null || p === null || Math.floor(p) !== p || p < 0 || p > 10) return null;
        var f = Math.pow(10, p), sign = n < 0 ? -1 : 1;
        return sign * Math.floor(Math.abs(n) * f + 0.5) / f;
      },
      floor: function (ctx, args) { var n = toNumber(args[0]); return n === null ? null : Math.floor(n); },
      abs: function (ctx, args) { var n = toNumber(args[0]); return n === null ? null : Math.abs(n); },
      len: function (ctx, args) {
        var v = args[0];
        if (v === null) return 0;
        if (typeof v === "string") return Array.from(v).length;
        if (isArray(v)) return v.length;
        return null;
      },
      empty: function (ctx, args) { return args[0] === null; },
      contains: function (ctx, args) {
        var c = args[0], item = args[1];
        if (c === null) return false;
        if (isArray(c)) return c.some(function (x) { return equals(x, item); });
        if (typeof c === "string" && typeof item === "string") return c.indexOf(item) !== -1;
        return null;
      }
    };

    function ev(tree, ctx) {
      var kind = tree[0], l, r;
      switch (kind) {
        case "num": case "str": case "bool": return tree[1];
        case "null": return null;
        case "ref": return lookup(ctx.data, tree[1]);
        case "list": return tree[1].map(function (item) { return ev(item, ctx); });
        case "neg": l = toNumber(ev(tree[1], ctx)); return l === null ? null : -l;
        case "not": l = truth(ev(tree[1], ctx)); return l === null ? null : !l;
        case "and":
          l = truth(ev(tree[1], ctx)); if (l === false) return false;
          r = truth(ev(tree[2], ctx)); if (r === false) return false;
          return l === null || r === null ? null : true;
        case "or":
          l = truth(ev(tree[1], ctx)); if (l === true) return true;
          r = truth(ev(tree[2], ctx)); if (r === true) return true;
          return l === null || r === null ? null : false;
        case "cmp":
          l = ev(tree[2], ctx); r = ev(tree[3], ctx);
          if (tree[1] === "==") return equals(l, r);
          if (tree[1] === "!=") return !equals(l, r);
          return compare(tree[1], l, r);
        case "in":
          l = ev(tree[1], ctx); r = ev(tree[2], ctx);
          if (r === null) return null;
          if (isArray(r)) return r.some(function (x) { return equals(l, x); });
          if (typeof r === "string" && typeof l === "string") return r.indexOf(l) !== -1;
          return null;
        case "arith": return arith(tree[1], ev(tree[2], ctx), ev(tree[3], ctx));
        case "call":
          if (tree[1] === "if") return truth(ev(tree[2][0], ctx)) ? ev(tree[2][1], ctx) : ev(tree[2][2], ctx);
          return FUNCTIONS[tree[1]](ctx, tree[2].map(function (a) { return ev(a, ctx); }));
      }
      return null;
    }

    function tokyoToday() {
      try {
        return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
      } catch (e) { return new Date().toISOString().slice(0, 10); }
    }

    var cache = {};
    function compiled(text) {
      if (!Object.prototype.hasOwnProperty.call(cache, text)) cache[text] = parse(text);
      return cache[text];
    }
    function evaluate(text, data, today) {
      return ev(compiled(text), { data: data || {}, today: today || tokyoToday() });
    }
    return {
      parse: parse,
      evaluate: evaluate,
      truth: truth,
      holds: function (text, data, today) { return truth(evaluate(text, data, today)) === true; },
      passes: function (text, data, today) { return truth(evaluate(text, data, today)) !== false; },
      SyntaxError: SyntaxErr
    };
  })();

  if (typeof module !== "undefined" && module.exports) { module.exports = Rules; }
  if (typeof document === "undefined") return;

  /* ------------------------------------------------------------------ page */

  function form(el) { return el.closest("form") || document; }

  function values(root, name) {
    var out = [];
    root.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (input) {
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) return;
      if (input.value !== "") out.push(input.value);
    });
    return out;
  }

  var ERAS = { "明治": 1867, "M": 1867, "大正": 1911, "T": 1911, "昭和": 1925, "S": 1925, "平成": 1988, "H": 1988, "令和": 2018, "R": 2018 };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // 2024/4/1, 2024年4月1日, 令和6年4月1日, R6.4.1 → "2024-04-01" (the server checks era limits).
  function isoDate(text) {
    var t = text.normalize("NFKC").replace(/\s/g, "").toUpperCase().replace("元", "1");
    var m = /^(\d{4})[-\/.年](\d{1,2})[-\/.月](\d{1,2})日?$/.exec(t);
    var y;
    if (m) y = +m[1];
    else {
      m = /^(明治|大正|昭和|平成|令和|[MTSHR])(\d{1,2})[-\/.年](\d{1,2})[-\/.月](\d{1,2})日?$/.exec(t);
      if (!m) { m = /^(\d{4})(\d{2})(\d{2})$/.exec(t); if (!m) return text; y = +m[1]; }
      else { y = ERAS[m[1]] + (+m[2]); m = [m[0], y, m[3], m[4]]; }
    }
    return y + "-" + pad(+m[2]) + "-" + pad(+m[3]);
  }

  // The answers on this page as the rule language sees them: {"a": "1", "home": {"city": …},
  // "family": [{"age": "3"}, …], "ways": ["bus", "train"]}.
  function formData(root) {
    var data = {};
    root.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (el) {
      var name = el.name;
      if (el.disabled || el.type === "file" || el.type === "submit" || name === "csrfmiddlewaretoken") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        if (el.type === "checkbox" && !(name in data)) data[name] = [];
        return;
      }
      var value = el.value;
      if (el.hasAttribute("data-date") && value) value = isoDate(value);
      if (el.type === "checkbox" && !el.hasAttribute("data-single")) {
        data[name] = (data[name] || []).concat([value]);
      } else data[name] = value;
    });
    var nested = {};
    Object.keys(data).forEach(function (name) {
      var parts = name.split("."), node = nested;
      for (var n = 0; n < parts.length - 1; n++) {
        var key = /^\d+$/.test(parts[n + 1]) ? [] : {};
        if (node[parts[n]] === undefined || typeof node[parts[n]] !== "object") node[parts[n]] = key;
        node = node[parts[n]];
      }
      node[parts[parts.length - 1]] = data[name];
    });
    return nested;
  }

  function onPage(root, key) {
    return !!root.querySelector('[name="' + CSS.escape(key) + '"], [name^="' + CSS.escape(key) + '."]');
  }

  function refsOnPage(tree, root, scope) {
    var ok = true;
    (function walk(node) {
      if (!node || typeof node !== "object") return;
      if (node[0] === "ref") { if (!onPage(root, scoped(root, scope, node[1].split(".")[0]))) ok = false; return; }
      for (var n = 1; n < node.length; n++) {
        if (Object.prototype.toString.call(node[n]) === "[object Array]") {
          if (typeof node[n][0] === "string") walk(node[n]); else node[n].forEach(walk);
        }
      }
    })(tree);
    return ok;
  }

  // A sub-field of a repeating group (a row: data-scope="family.0") names the other sub-fields
  // of its own row first, else the form's fields outside the group, as the server evaluates it
  // (procedures/fields/group.py).
  function scoped(root, scope, name) {
    return scope && onPage(root, scope + "." + name) ? scope + "." + name : name;
  }
  function rowData(data, scope) {
    if (!scope) return data;
    var node = data;
    scope.split(".").forEach(function (part) { node = node && typeof node === "object" ? node[part] : undefined; });
    var merged = {};
    Object.keys(data).forEach(function (k) { merged[k] = data[k]; });
    if (node && typeof node === "object") Object.keys(node).forEach(function (k) { merged[k] = node[k]; });
    return merged;
  }
  function scopeOf(el) {
    var row = el.parentElement && el.parentElement.closest("[data-scope]");
    return row ? row.getAttribute("data-scope") : "";
  }

  function exprValue(text, root, scope) {
    var tree;
    try { tree = Rules.parse(text); } catch (e) { return undefined; }
    if (!refsOnPage(tree, root, scope)) return undefined; // answered on another page: the server decided
    return Rules.evaluate(text, rowData(formData(root), scope));
  }

  function holds(cond, root, scope) {
    if (typeof cond === "string" || cond.expr !== undefined) {
      var value = exprValue(typeof cond === "string" ? cond : cond.expr, root, scope);
      return value === undefined ? null : Rules.truth(value) === true;
    }
    if (cond.all) return cond.all.every(function (c) { return holds(c, root, scope); });
    if (cond.any) return cond.any.some(function (c) { return holds(c, root, scope); });
    if (cond.not) return !holds(cond.not, root, scope);
    var name = scoped(root, scope, cond.field);
    var present = values(root, name);
    if (present.length === 0 && !root.querySelector('[name="' + CSS.escape(name) + '"]')) {
      return null; // answered on another page: the server already decided
    }
    if ("equals" in cond) return present.indexOf(String(cond.equals)) !== -1;
    if ("in" in cond) return cond["in"].some(function (v) { return present.indexOf(String(v)) !== -1; });
    if ("not_empty" in cond) return (present.length > 0) === Boolean(cond.not_empty);
    return null;
  }

  function refresh(root) {
    root.querySelectorAll("[data-show-if]").forEach(function (field) {
      var cond;
      try { cond = JSON.parse(field.getAttribute("data-show-if")); } catch (e) { return; }
      var result = holds(cond, root, scopeOf(field));
      if (result === null) return;
      field.hidden = !result;
      // The applicant page may wrap a conditional field with its condition hint.
      var wrapper = field.parentElement;
      if (wrapper && wrapper.classList.contains("conditional") &&
          wrapper.querySelectorAll("[data-show-if]").length === 1) wrapper.hidden = !result;
      field.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !result; });
    });
  }

  // Cascading choices: only the options whose data-choice matches the answer chosen above.
  function narrow(root) {
    root.querySelectorAll("[data-choice-filter]").forEach(function (list) {
      var name = scoped(root, scopeOf(list), list.getAttribute("data-choice-filter"));
      if (!root.querySelector('[name="' + CSS.escape(name) + '"]')) return; // answered on an earlier page
      var chosen = values(root, name);
      list.querySelectorAll("[data-choice]").forEach(function (choice) {
        var fits = chosen.length === 0 || chosen.indexOf(choice.getAttribute("data-choice")) !== -1;
        choice.hidden = !fits;
        var input = choice.tagName === "OPTION" ? choice : choice.querySelector("input");
        if (!input) return;
        input.disabled = !fits;
        if (!fits && (input.checked || input.selected)) {
          if (input.tagName === "OPTION") list.value = ""; else input.checked = false;
        }
      });
    });
  }

  function formatNumber(value, format, places) {
    // Same rounding as the server (half away from zero), then as few digits as needed.
    var factor = Math.pow(10, places >= 0 ? places : 2);
    var rounded = (value < 0 ? -1 : 1) * Math.floor(Math.abs(value) * factor + 0.5) / factor;
    var fixed = String(Math.abs(rounded));
    var parts = fixed.split(".");
    if (format === "money" || format === "integer") parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (rounded < 0 ? "-" : "") + parts.join(".");
  }

  function recompute(root) {
    root.querySelectorAll("output[data-expression]").forEach(function (out) {
      var value = exprValue(out.getAttribute("data-expression"), root, scopeOf(out));
      if (value === undefined) return;
      var format = out.getAttribute("data-format") || "";
      var places = parseInt(out.getAttribute("data-places") || "-1", 10);
      var text;
      if (value === null) text = out.getAttribute("data-empty") || "—";
      else if (typeof value === "number") {
        text = formatNumber(value, format, format === "money" || format === "integer" ? 0 : places);
        text += out.getAttribute("data-unit") || "";
      } else if (typeof value === "boolean") text = value ? msg("yes", "はい") : msg("no", "いいえ");
      else text = String(value);
      out.textContent = text;
    });
  }

  function setValue(el, value) {
    if (!el) return;
    el.value = value;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function lookup(button, event) {
    var key = button.getAttribute("data-postal-lookup");
    var base = button.getAttribute("data-lookup-url");
    var root = form(button);
    var byId = function (part) { return document.getElementById("id_" + key + "." + part); };
    var code = (byId("postal_code") || {}).value || "";
    var status = document.getElementById("id_" + key + "-lookup-status");
    if (!base || !window.fetch) return; // let the form submit
    event.preventDefault();
    var digits = code.normalize("NFKC").replace(/[^0-9]/g, "");
    if (digits.length !== 7) {
      status.textContent = msg("postal_digits", "郵便番号を7桁の数字で入力してください（例: 160-0022）。");
      byId("postal_code").focus();
      return;
    }
    status.textContent = msg("postal_searching", "住所を検索しています…");
    fetch(base + encodeURIComponent(digits), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) {
          status.textContent = msg("postal_not_found", "この郵便番号の住所は見つかりませんでした。番号をご確認いただくか、住所を直接入力してください。");
          return null;
        }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        var first = data.addresses[0];
        setValue(byId("postal_code"), data.postal_code);
        setValue(byId("prefecture"), first.prefecture);
        var cities = data.addresses.map(function (a) { return a.city; });
        if (cities.every(function (c) { return c === first.city; })) setValue(byId("city"), first.city);
        var street = byId("street");
        if (data.addresses.length > 1) {
          var areas = data.addresses.map(function (a) { return a.city + a.town; }).join(msg("list_separator", "、"));
          status.textContent = msg("postal_many", "この郵便番号には複数の地域があります（%(areas)s）。町名・番地を入力してください。")
            .replace("%(areas)s", areas);
        } else if (street && street.value.trim() === "") {
          setValue(street, first.town);
          status.textContent = msg("postal_filled", "住所を入力しました。続けて番地を入力してください。");
        } else {
          status.textContent = msg("postal_kept_street", "都道府県と市区町村を入力しました。町名・番地は入力済みの内容のままです。");
        }
        if (street) street.focus();
      })
      .catch(function () {
        // Network or server trouble: fall back to the server-side lookup.
        if (root.requestSubmit) root.requestSubmit(button); else button.click();
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-postal-lookup]");
    if (button) lookup(button, event);
  });
  document.addEventListener("change", function (event) {
    refresh(form(event.target)); narrow(form(event.target)); recompute(form(event.target));
  });
  document.addEventListener("input", function (event) { recompute(form(event.target)); });
  document.addEventListener("DOMContentLoaded", function () { refresh(document); narrow(document); recompute(document); });
})();
