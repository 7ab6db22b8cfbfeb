/**
 * 1. Batch: N items whose jobs take T on an emulator with no concurrency limit. With the node's limit at
 * N every job runs at once, so the batch should take about one job time; with the limit at 1 it takes
 * N job times (printed for comparison).
 */
import { assertComplete, list, median, seconds, runsOf } from '../measure';
import type { Row } from '../types';
import { WARMUP_PROMPT, withProcesses, type Scenario } from './scenario';

export const batch: Scenario = {
	id: 'batch',
	title: 'Batch',
	async run(ctx) {
		const { items, jobMs, limit, comparisonLimit, maxRatio } = ctx.config.batch;
		const runs = ctx.config.runs;
		const settings = { runMs: jobMs };
		return await withProcesses(ctx, 'batch', settings, 1, async (emulator, [engine]) => {
			// Warm-up: the same batch with instant jobs, so the first measured run does not pay for JIT.
			await engine.run({ emulatorUrl: emulator.url, items, maxConcurrentJobs: limit, prompt: WARMUP_PROMPT });
			const measure = async (maxConcurrentJobs: number) => {
				const results = [];
				for (let run = 1; run <= runs; run++) {
					await emulator.reset();
					const result = await engine.run({ emulatorUrl: emulator.url, items, maxConcurrentJobs });
					assertComplete(result, items, `batch, limit ${maxConcurrentJobs}`);
					const jobs = await emulator.jobs();
					results.push({ ...result, peakJobsRunning: peakRunning(jobs) });
					ctx.progress(`batch limit ${maxConcurrentJobs}, run ${run}/${runs}: ${seconds(result.workflowMs)}`);
				}
				return results;
			};
			const parallel = await measure(limit);
			const serial = await measure(comparisonLimit);

			const wall = (results: typeof parallel) => results.map((r) => r.workflowMs);
			const parallelMs = median(wall(parallel));
			const serialMs = median(wall(serial));
			const ratio = parallelMs / jobMs;
			const rows: Row[] = [
				{
					scenario: 'Batch',
					figure: `${items} items × ${jobMs / 1000} s jobs, limit ${limit}: wall ÷ job time`,
					value: `${ratio.toFixed(2)} (${seconds(parallelMs)})`,
					target: `≤ ${maxRatio.toFixed(2)}`,
					pass: ratio <= maxRatio,
					data: { wallMs: wall(parallel), nodeMs: parallel.map((r) => r.node.wallMs), peakJobsRunning: parallel.map((r) => r.peakJobsRunning) },
				},
				{
					scenario: 'Batch',
					figure: `same batch, limit ${comparisonLimit} (comparison)`,
					value: `${(serialMs / jobMs).toFixed(2)} (${seconds(serialMs)}, ${(serialMs / parallelMs).toFixed(1)}× slower)`,
					target: `≈ ${((items / comparisonLimit) * 1).toFixed(0)} expected`,
					data: { wallMs: wall(serial), nodeMs: serial.map((r) => r.node.wallMs), peakJobsRunning: serial.map((r) => r.peakJobsRunning) },
				},
			];
			return {
				name: 'Batch',
				emulator: `--run-ms ${jobMs} (concurrency unlimited)`,
				setup: `${items} items, Generate with URL inputs, Max Concurrent Jobs ${limit} then ${comparisonLimit}; ${runsOf(runs)} each; wall = whole workflow run (${list(wall(parallel), (ms) => seconds(ms))} | ${list(wall(serial), (ms) => seconds(ms, 1))})`,
				rows,
				runs: [...parallel.map((r) => ({ limit, ...r, outputs: undefined })), ...serial.map((r) => ({ limit: comparisonLimit, ...r, outputs: undefined }))],
			};
		});
	},
};

/** The most jobs the emulator had running at the same moment. */
export function peakRunning(jobs: Array<{ startedAt?: number; completedAt?: number }>): number {
	const events: Array<[number, number]> = [];
	for (const job of jobs) {
		if (job.startedAt === undefined) continue;
		events.push([job.startedAt, 1]);
		if (job.completedAt !== undefined) events.push([job.completedAt, -1]);
	}
	events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let running = 0;
	let peak = 0;
	for (const [, delta] of events) {
		running += delta;
		peak = Math.max(peak, running);
	}
	return peak;
}
