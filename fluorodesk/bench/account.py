"""The director account of the synthetic clinic: the start-up probe signs in with it (no heavy imports)."""

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-director-password"
