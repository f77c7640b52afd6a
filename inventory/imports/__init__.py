"""Declaring devices from a file: CSV, XLSX or a GLPI export, checked row by row, all or nothing."""
