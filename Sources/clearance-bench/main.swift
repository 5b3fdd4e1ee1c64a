print("clearance-bench: no benchmarks yet")
