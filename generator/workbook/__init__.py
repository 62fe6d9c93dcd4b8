"""Reading workbooks: the contract (sheets, columns, types), value parsing, the safety inspection of
the file and the reader that turns sheets into typed columns; `blank` writes an empty workbook."""
