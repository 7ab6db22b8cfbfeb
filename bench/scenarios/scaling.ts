/**
 * 2. Scaling: batches of 1…128 items of T-long jobs with the node's limit at L. Up to L items the wall
 * time stays flat at about one job time; beyond, it grows in steps of one job time per L items.
 */
import { assertComplete, list, median, seconds, runsOf } from '../measure';
import type { Row } from '../types';
import { peakRunning } from './batch';
import { WARMUP_PROMPT, withProcesses, type Scenario } from './scenario';

export const scaling: Scenario = {
	id: 'scaling',
	title: 'Scaling',
	async run(ctx) {
		const { counts, jobMs, limit, maxRatio } = ctx.config.scaling;
		const runs = ctx.config.runs;
		return await withProcesses(ctx, 'scaling', { runMs: jobMs }, 1, async (emulator, [engine]) => {
			// Warm-up: a full wave of instant jobs, so the first measured run does not pay for JIT.
			await engine.run({ emulatorUrl: emulator.url, items: limit, maxConcurrentJobs: limit, prompt: WARMUP_PROMPT });
			const rows: Row[] = [];
			const raw: unknown[] = [];
			const medians = new Map<number, number>();
			for (const count of counts) {
				const walls: number[] = [];
				for (let run = 1; run <= runs; run++) {
					await emulator.reset();
					const result = await engine.run({ emulatorUrl: emulator.url, items: count, maxConcurrentJobs: limit });
					assertComplete(result, count, `scaling, ${count} items`);
					walls.push(result.workflowMs);
					raw.push({ items: count, ...result, outputs: undefined, peakJobsRunning: peakRunning(await emulator.jobs()) });
					ctx.progress(`scaling ${count} items, run ${run}/${runs}: ${seconds(result.workflowMs)}`);
				}
				const wallMs = median(walls);
				medians.set(count, wallMs);
				const steps = Math.ceil(count / limit);
				const expectedMs = steps * jobMs;
				const ratio = wallMs / expectedMs;
				rows.push({
					scenario: 'Scaling',
					figure: `${count} item${count === 1 ? '' : 's'}: wall ÷ (${steps} × ${jobMs / 1000} s)`,
					value: `${ratio.toFixed(2)} (${seconds(wallMs)})`,
					target: `≤ ${maxRatio.toFixed(2)}`,
					pass: ratio <= maxRatio,
					data: { wallMs: walls, expectedMs, steps },
				});
			}
			// The step: what each further `limit` items add once the limit is reached.
			const first = counts.find((count) => count >= limit);
			const last = counts[counts.length - 1];
			if (first !== undefined && last > first) {
				const stepCount = Math.ceil(last / limit) - Math.ceil(first / limit);
				const stepMs = ((medians.get(last) ?? Number.NaN) - (medians.get(first) ?? Number.NaN)) / stepCount;
				rows.push({
					scenario: 'Scaling',
					figure: `step per further ${limit} items (${first}→${last}) ÷ job time`,
					value: `${(stepMs / jobMs).toFixed(2)} (${seconds(stepMs)})`,
					target: `≤ ${maxRatio.toFixed(2)}`,
					pass: stepMs / jobMs <= maxRatio,
					data: { stepMs },
				});
			}
			return {
				name: 'Scaling',
				emulator: `--run-ms ${jobMs} (concurrency unlimited)`,
				setup: `${counts.join(', ')} items, Max Concurrent Jobs ${limit}; ${runsOf(runs)} each (medians ${list(counts.map((c) => medians.get(c) ?? Number.NaN), (ms) => seconds(ms))})`,
				rows,
				runs: raw,
			};
		});
	},
};
