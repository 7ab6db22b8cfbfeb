/** What the benchmark's processes say to each other, and what a scenario reports. */

/** One workflow run in the engine child: trigger → input items → Stable Avatar (Generate). */
export interface RunSpec {
	emulatorUrl: string;
	/** How many items reach the node (ignored with `audioFile`: Read/Write Files emits one item). */
	items: number;
	/** Left out: the node's default. */
	maxConcurrentJobs?: number;
	/** Timeout (Minutes); left out: the node's default. */
	timeoutMinutes?: number;
	/** Prompt for every job; may carry emulator directives. */
	prompt?: string;
	/**
	 * Read this file with n8n's Read/Write Files from Disk node (streamed into binary storage) and give
	 * it to the node as its binary audio input, which the node uploads to fal storage.
	 */
	audioFile?: string;
	/** Sample the engine process's RSS every this many ms while the node runs (after a GC). */
	memorySampleMs?: number;
	/** Keep the stored output binaries; by default they are deleted after the run (1 GiB videos). */
	keepBinaries?: boolean;
	/** Write a V8 CPU profile of the node's execute() to this path (open it in Chrome DevTools). */
	cpuProfilePath?: string;
	/**
	 * An instrument, not a mode of the node: n8n's prepareBinaryData is replaced, for this run, by
	 * reading the video stream to its end, so the difference to a normal run is what n8n's binary
	 * storage costs.
	 */
	drainInsteadOfStore?: boolean;
}

export interface MemoryProbe {
	/** RSS when the node's execute() began, right after a full GC. */
	baselineRss: number;
	/** Highest RSS seen by the sampler. */
	peakRssSampled: number;
	/** Highest RSS per the kernel (VmHWM after resetting it at the baseline); Linux only. */
	peakRssHwm?: number;
	samples: number;
	/** Longest gap between two samples: a long one means the event loop was blocked. */
	maxSampleGapMs: number;
}

export interface NodeProbe {
	/** Wall time of the node's execute(). */
	wallMs: number;
	/** When execute() started (ms since epoch): comparable with the emulator's timestamps on the same machine. */
	startedAtMs: number;
	/** process.cpuUsage() of the engine process over the node's execute(). */
	cpuUserMs: number;
	cpuSystemMs: number;
	memory?: MemoryProbe;
}

export interface OutputSummary {
	requestId?: string;
	error?: string;
	/** Size n8n recorded for the video binary. */
	binaryBytes?: number;
	/** Size of the stored file, from the binary data service. */
	storedBytes?: number;
}

export interface RunResult {
	/** n8n's execution status ('success', 'error', …). */
	status: string;
	error?: string;
	/** Wall time of the whole workflow run, engine included. */
	workflowMs: number;
	workflowCpuMs: number;
	node: NodeProbe;
	outputs: OutputSummary[];
}

export type ParentMessage = { type: 'run'; id: number; spec: RunSpec } | { type: 'exit' };

export type ChildMessage =
	| { type: 'ready'; pid: number; node: string }
	| { type: 'result'; id: number; result: RunResult }
	| { type: 'failed'; id: number; message: string };

/** One line of the printed table. */
export interface Row {
	scenario: string;
	figure: string;
	/** The figure, formatted. */
	value: string;
	/** The target, formatted; empty for rows shown for comparison only. */
	target: string;
	/** undefined: no target (comparison row). */
	pass?: boolean;
	/** The numbers behind the figure, for the JSON. */
	data?: Record<string, unknown>;
}

export interface ScenarioReport {
	name: string;
	/** The emulator's settings, as passed to its CLI. */
	emulator: string;
	/** How the node was configured and run. */
	setup: string;
	rows: Row[];
	/** Every run's raw figures. */
	runs: unknown[];
	durationMs: number;
	/** Highest 1-minute load average seen during the scenario (the benchmark's own processes included). */
	loadMax?: number;
	/** Average CPUs used by other processes during the scenario (Linux): they compete for wall time. */
	otherCpus?: number;
	error?: string;
}
