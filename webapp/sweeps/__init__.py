"""Sweep days (拓展拜访日): planning, squads, the split of merchants, the live board, summary and export."""
