"""Audience analytics: per-viewer smile signals, the per-second reaction curve, and the report files."""
