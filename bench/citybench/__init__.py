"""The city platform scale bench's parts (bench/bench_city.py)."""
