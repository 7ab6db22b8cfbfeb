/**
 * 5. Overhead: many items whose jobs finish at once, so what is left is the node's own work per item
 * (validation, submit, status stream, result, video download into binary storage). CPU time is
 * process.cpuUsage() of the engine process over the node's execute(); the emulator runs in another
 * process, so its CPU does not count.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { assertComplete, list, median, millis, runsOf, seconds } from '../measure';
import { summarizeProfile } from '../profile';
import type { Row } from '../types';
import { withProcesses, type Scenario } from './scenario';

export const overhead: Scenario = {
	id: 'overhead',
	title: 'Overhead',
	async run(ctx) {
		const { items, limit, warmupItems, maxCpuMsPerItem } = ctx.config.overhead;
		const runs = ctx.config.runs;
		return await withProcesses(ctx, 'overhead', { runMs: 0 }, 1, async (emulator, [engine]) => {
			// Warm-up with the measured kind of job (instant), twice: process.cpuUsage() counts V8's background
			// compiler threads too, and after one batch they are still optimizing the hot paths.
			for (let warmup = 0; warmup < 2; warmup++) await engine.run({ emulatorUrl: emulator.url, items: warmupItems, maxConcurrentJobs: limit });
			const results = [];
			for (let run = 1; run <= runs; run++) {
				await emulator.reset();
				const result = await engine.run({ emulatorUrl: emulator.url, items, maxConcurrentJobs: limit });
				assertComplete(result, items, 'overhead');
				const perItem = (result.node.cpuUserMs + result.node.cpuSystemMs) / items;
				results.push({ ...result, outputs: undefined, cpuMsPerItem: perItem });
				ctx.progress(`overhead run ${run}/${runs}: ${millis(perItem)} CPU per item (node wall ${millis(result.node.wallMs)})`);
			}
			const perItem = median(results.map((r) => r.cpuMsPerItem));
			const user = median(results.map((r) => r.node.cpuUserMs / items));
			const system = median(results.map((r) => r.node.cpuSystemMs / items));
			const nodeWallMs = median(results.map((r) => r.node.wallMs));
			const rows: Row[] = [
				{
					scenario: 'Overhead',
					figure: `${items} instant jobs: node CPU time per item`,
					value: `${millis(perItem)} (user ${millis(user)} + sys ${millis(system)})`,
					target: `≤ ${maxCpuMsPerItem} ms`,
					pass: perItem <= maxCpuMsPerItem,
					data: { cpuMsPerItem: results.map((r) => r.cpuMsPerItem), workflowCpuMsPerItem: results.map((r) => r.workflowCpuMs / items) },
				},
				{
					scenario: 'Overhead',
					figure: `same, node wall time (limit ${limit})`,
					value: `${seconds(nodeWallMs)} (${Math.round((items * 1000) / nodeWallMs)} items/s)`,
					target: '(reported)',
					data: { nodeWallMs: results.map((r) => r.node.wallMs) },
				},
			];
			let profile = '';
			if (ctx.cpuProfileDir) {
				// A separate run: the profiler's own cost stays out of the figures above.
				mkdirSync(ctx.cpuProfileDir, { recursive: true });
				const cpuProfilePath = join(ctx.cpuProfileDir, `overhead-${items}-items.cpuprofile`);
				await emulator.reset();
				assertComplete(await engine.run({ emulatorUrl: emulator.url, items, maxConcurrentJobs: limit, cpuProfilePath }), items, 'overhead, profiled');
				ctx.progress(`overhead: CPU profile of one more run written to ${cpuProfilePath}\n${summarizeProfile(cpuProfilePath, items)}`);
				profile = `; CPU profile: ${cpuProfilePath}`;
			}
			return {
				name: 'Overhead',
				emulator: '--run-ms 0 (concurrency unlimited)',
				setup: `${items} items, Max Concurrent Jobs ${limit} (as when this target was set), video downloaded into filesystem binary storage; warm-up 2 × ${warmupItems} items; ${runsOf(runs)} (${list(results.map((r) => r.cpuMsPerItem), millis)} per item)${profile}`,
				rows,
				runs: results,
			};
		});
	},
};
