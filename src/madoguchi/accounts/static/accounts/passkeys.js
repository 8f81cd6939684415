// Passkeys (WebAuthn) for the staff sign-in and the security page. WebAuthn is a browser API, so
// this is the one part of the staff door that needs JavaScript; the authenticator code works
// without it. Buttons carry their endpoints in data-* attributes; messages come from the server.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); });
  }
  function showError(button, message) {
    var box = button.closest("section").querySelector("[data-passkey-error]");
    if (box) { box.textContent = message || ""; box.hidden = !message; }
  }

  function signIn(button) {
    post(button.dataset.options).then(function (res) {
      var o = res.data.options;
      o.challenge = toBytes(o.challenge);
      (o.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.get({publicKey: o});
    }).then(function (cred) {
      return post(button.dataset.verify, {credential: {
        id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: toB64url(cred.response.clientDataJSON),
          authenticatorData: toB64url(cred.response.authenticatorData),
          signature: toB64url(cred.response.signature),
          userHandle: cred.response.userHandle ? toB64url(cred.response.userHandle) : null
        }
      }});
    }).then(function (res) {
      if (res.ok && res.data.redirect) { window.location.assign(res.data.redirect); return; }
      showError(button, res.data.message);
    }).catch(function () { showError(button, button.dataset.failed); });
  }

  function register(button) {
    var nameField = document.getElementById("id_passkey_name");
    post(button.dataset.options).then(function (res) {
      var o = res.data.options;
      o.challenge = toBytes(o.challenge);
      o.user.id = toBytes(o.user.id);
      (o.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.create({publicKey: o});
    }).then(function (cred) {
      return post(button.dataset.verify, {name: nameField ? nameField.value : "", credential: {
        id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: toB64url(cred.response.clientDataJSON),
          attestationObject: toB64url(cred.response.attestationObject),
          transports: cred.response.getTransports ? cred.response.getTransports() : []
        }
      }});
    }).then(function (res) {
      if (res.ok && res.data.redirect) { window.location.assign(res.data.redirect); return; }
      showError(button, res.data.message);
    }).catch(function () { showError(button, button.dataset.failed); });
  }

  document.querySelectorAll("[data-passkey-sign-in]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { signIn(button); });
  });
  document.querySelectorAll("[data-passkey-register]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { register(button); });
  });
})();
