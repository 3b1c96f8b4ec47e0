"""Spreadsheets in and out, the way county bureaus work: .xlsx exports with Chinese
headers, and imports from .xlsx or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030).

This app knows no domain: the apps describe their sheets with it (``needs.imports``,
``teams.imports``, ``matching.exports``, ``evaluations.exports``).

- ``cells``: a value into a cell and back (formula neutralising, dates, how a report
  quotes a value, suggestions);
- ``workbooks``: :class:`~spreadsheets.workbooks.Column`, which describes one column
  once for the template, the export and the import, so an exported sheet imports
  back unchanged; the workbooks and the .xlsx response;
- ``exports``: ``GET <list>/export/`` for a DRF viewset;
- ``imports``: the :class:`~spreadsheets.imports.Importer` that checks every row and
  writes all of them or none;
- ``reader``: reading an upload at a cost that follows what it really holds.
"""
