"""XLSForm exchange (issue 17): build a procedure in a spreadsheet, take it back out.

XLSForm is the open spreadsheet standard for forms (ODK, KoboToolbox): a ``survey`` sheet of
questions, a ``choices`` sheet of option lists, a ``settings`` sheet. ``sheets`` reads a
workbook with openpyxl into rows of located cells; ``importer`` builds the definition from
them, translating XPath (``expressions`` → ``xpath``, on pyxform's lexer) into the rule
language and reporting in ``problems``, by sheet, row and column, whatever does not map;
``exporter`` writes any definition back out so that importing the export gives the same
definition. Japanese types travel in the standard's escape hatch, ``bind::madoguchi:type``.
docs/procedures.md, "XLSForm", has the mapping.
"""

from madoguchi.procedures.xlsform.exporter import xlsform_bytes
from madoguchi.procedures.xlsform.importer import definition_from_xlsform

__all__ = ["definition_from_xlsform", "xlsform_bytes"]
