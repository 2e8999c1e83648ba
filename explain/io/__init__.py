"""What leaves the studio as files: CSV/JSON/NumPy exports and the self-contained HTML report."""
