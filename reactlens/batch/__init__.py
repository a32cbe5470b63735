"""``reactlens batch``: many recordings screened on Ray — ``plan`` (sources → recordings → parts) →
``worker`` (one part screened in a Ray task) → ``seams`` (a long recording's parts joined, viewer ids re-joined)
→ ``output`` (Parquet/CSV files and the manifest, written by the driver alone) — run by ``driver``."""
