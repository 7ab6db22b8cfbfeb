/** What every scenario gets and gives, and the process bookkeeping they share. */
import type { BenchConfig } from '../config';
import { describeEmulator, EmulatorProcess, EngineProcess, type EmulatorSettings } from '../processes';
import type { ScenarioReport } from '../types';

export interface ScenarioContext {
	config: BenchConfig;
	/** Scratch directory of this benchmark run (removed at the end). */
	workDir: string;
	/** When set, scenarios that support it write V8 CPU profiles here (`--cpu-prof`). */
	cpuProfileDir?: string;
	/** A progress line on stderr. */
	progress(message: string): void;
}

export interface Scenario {
	id: string;
	title: string;
	run(ctx: ScenarioContext): Promise<Omit<ScenarioReport, 'durationMs'>>;
}

/**
 * A short job, whatever the emulator's run-ms: used to warm the engine up. Half a second, so that the
 * status stream sends progress events before COMPLETED, as it does in the measured runs.
 */
export const WARMUP_PROMPT = 'Warm-up [emulator:run=500]';

/** Starts the emulator and `engines` engine children, runs `body`, and stops them all whatever happens. */
export async function withProcesses<T>(
	ctx: ScenarioContext,
	label: string,
	settings: EmulatorSettings,
	engines: number,
	body: (emulator: EmulatorProcess, engines: EngineProcess[]) => Promise<T>,
): Promise<T> {
	const starts = [
		EmulatorProcess.start(settings, ctx.workDir, label),
		...Array.from({ length: engines }, async (_, index) => await EngineProcess.start(ctx.workDir, `${label}-${index + 1}`)),
	];
	// Wait for every start, failed or not, so that nothing started is left behind.
	const settled = await Promise.allSettled(starts);
	const started = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
	try {
		const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
		if (failed) throw failed.reason;
		const [emulator, ...children] = started as [EmulatorProcess, ...EngineProcess[]];
		ctx.progress(`${label}: emulator at ${emulator.url} (${describeEmulator(settings)}), ${children.length} engine process(es)`);
		return await body(emulator, children);
	} finally {
		await Promise.allSettled(started.map(async (process) => await process.close()));
	}
}
