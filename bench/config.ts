/** The benchmark's sizes and targets: the full run (issue 5) and a short `--quick` smoke version. */
import { GiB, MiB } from './measure';

export interface BenchConfig {
	mode: 'full' | 'quick';
	/** Runs per figure; figures are their medians. */
	runs: number;
	batch: { items: number; jobMs: number; limit: number; comparisonLimit: number; maxRatio: number };
	scaling: { counts: number[]; jobMs: number; limit: number; maxRatio: number };
	completion: { jobMs: number; itemsPerRun: number; maxMedianDelayMs: number; maxStatusRequests: number };
	memory: { videoBytes: number; audioBytes: number; sampleMs: number; maxGrowthBytes: number };
	overhead: { items: number; limit: number; warmupItems: number; maxCpuMsPerItem: number };
	/** Default parameters, emulator without a concurrency limit: every item in flight. */
	inflight: { items: number; jobMs: number; maxRatio: number };
	/** Emulator running `concurrency` jobs, Timeout shorter than the queue time: every item still gets its video. */
	queued: { items: number; jobMs: number; concurrency: number; timeoutMinutes: number; maxFactor: number };
	/** Many items in flight, few running: connections held ≈ running jobs. */
	connections: { items: number; jobMs: number; concurrency: number; maxExtraConnections: number };
}

export const FULL: BenchConfig = {
	mode: 'full',
	runs: 3,
	batch: { items: 24, jobMs: 3_000, limit: 24, comparisonLimit: 1, maxRatio: 1.2 },
	scaling: { counts: [1, 8, 32, 128], jobMs: 2_000, limit: 32, maxRatio: 1.2 },
	completion: { jobMs: 60_000, itemsPerRun: 10, maxMedianDelayMs: 250, maxStatusRequests: 10 },
	memory: { videoBytes: 1 * GiB, audioBytes: 300 * MiB, sampleMs: 20, maxGrowthBytes: 100 * MiB },
	overhead: { items: 200, limit: 10, warmupItems: 200, maxCpuMsPerItem: 10 },
	inflight: { items: 100, jobMs: 3_000, maxRatio: 1.2 },
	queued: { items: 20, jobMs: 3_000, concurrency: 4, timeoutMinutes: 0.1, maxFactor: 1.1 },
	connections: { items: 200, jobMs: 1_000, concurrency: 4, maxExtraConnections: 8 },
};

/** Same figures and targets, smaller and shorter: a smoke test of the benchmark itself (~1.5 min). */
export const QUICK: BenchConfig = {
	mode: 'quick',
	runs: 1,
	// Job times stay at seconds: the per-item work (~0.2 s for a batch of 24) must stay small beside them.
	batch: { items: 12, jobMs: 2_000, limit: 12, comparisonLimit: 1, maxRatio: 1.2 },
	scaling: { counts: [1, 8, 32, 128], jobMs: 2_000, limit: 32, maxRatio: 1.2 },
	// Multipart starts above 90 MiB: the audio stays above it so the multipart path is what is measured.
	completion: { jobMs: 10_000, itemsPerRun: 4, maxMedianDelayMs: 250, maxStatusRequests: 10 },
	memory: { videoBytes: 256 * MiB, audioBytes: 100 * MiB, sampleMs: 20, maxGrowthBytes: 100 * MiB },
	overhead: { items: 50, limit: 10, warmupItems: 50, maxCpuMsPerItem: 10 },
	inflight: { items: 50, jobMs: 3_000, maxRatio: 1.2 },
	queued: { items: 12, jobMs: 2_000, concurrency: 4, timeoutMinutes: 0.05, maxFactor: 1.1 },
	connections: { items: 100, jobMs: 1_000, concurrency: 4, maxExtraConnections: 8 },
};
