/**
 * Issue 11: batches at fal's speed on default settings.
 * - inflight: N items of T-second jobs, default parameters, emulator without a concurrency limit:
 *   every item is in flight at once, so the batch takes about one job time.
 * - queued: the emulator runs only C jobs at once, N items, Timeout shorter than the batch's queue
 *   time: the timeout counts rendering only, so every item gets its video in ⌈N/C⌉ waves.
 * - connections: many items in flight, C running: connections held at the emulator ≈ running jobs,
 *   and the status requests each job cost.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { assertComplete, median, runsOf, seconds } from '../measure';
import { summarizeProfile } from '../profile';
import type { Row } from '../types';
import { peakRunning } from './batch';
import { WARMUP_PROMPT, withProcesses, type Scenario } from './scenario';

export const inflight: Scenario = {
	id: 'inflight',
	title: 'All in flight',
	async run(ctx) {
		const { items, jobMs, maxRatio } = ctx.config.inflight;
		return await withProcesses(ctx, 'inflight', { runMs: jobMs }, 1, async (emulator, [engine]) => {
			await engine.run({ emulatorUrl: emulator.url, items, prompt: WARMUP_PROMPT });
			// The figure is the node's own wall time (execute() start to end); the workflow's is printed too.
			const walls: number[] = [];
			const workflowWalls: number[] = [];
			const peaks: number[] = [];
			const spreads: Array<{ firstSubmitAfterStartMs: number; submitSpreadMs: number; lastFetchAfterLastDoneMs: number }> = [];
			for (let run = 1; run <= ctx.config.runs; run++) {
				await emulator.reset();
				const result = await engine.run({ emulatorUrl: emulator.url, items });
				assertComplete(result, items, 'inflight');
				const jobs = await emulator.jobs();
				walls.push(result.node.wallMs);
				workflowWalls.push(result.workflowMs);
				peaks.push(peakRunning(jobs));
				const times = (pick: (job: (typeof jobs)[number]) => number | undefined) => jobs.map(pick).filter((t): t is number => t !== undefined);
				spreads.push({
					firstSubmitAfterStartMs: Math.min(...times((job) => job.submittedAt)) - result.node.startedAtMs,
					submitSpreadMs: Math.max(...times((job) => job.submittedAt)) - Math.min(...times((job) => job.submittedAt)),
					lastFetchAfterLastDoneMs: Math.max(...times((job) => job.firstResultFetchAt)) - Math.max(...times((job) => job.completedAt)),
				});
				ctx.progress(
					`inflight run ${run}/${ctx.config.runs}: node ${seconds(result.node.wallMs)} (workflow ${seconds(result.workflowMs)}), ${peaks.at(-1)} running at once, ${JSON.stringify(spreads.at(-1))}`,
				);
			}
			// The same batch with n8n's binary storage taken out (an instrument): how much of the time
			// beyond one job is n8n's own per-item cost of storing a video, which the node cannot change.
			const unstoredWalls: number[] = [];
			for (let run = 1; run <= ctx.config.runs; run++) {
				await emulator.reset();
				const result = await engine.run({ emulatorUrl: emulator.url, items, drainInsteadOfStore: true });
				assertComplete(result, items, 'inflight without binary storage');
				unstoredWalls.push(result.node.wallMs);
				ctx.progress(`inflight run ${run}/${ctx.config.runs}, videos read but not stored: node ${seconds(result.node.wallMs)}`);
			}
			let profile = '';
			if (ctx.cpuProfileDir) {
				// A separate run: the profiler's own cost stays out of the figures.
				mkdirSync(ctx.cpuProfileDir, { recursive: true });
				const cpuProfilePath = join(ctx.cpuProfileDir, `inflight-${items}-items.cpuprofile`);
				await emulator.reset();
				assertComplete(await engine.run({ emulatorUrl: emulator.url, items, cpuProfilePath }), items, 'inflight, profiled');
				ctx.progress(`inflight: CPU profile of one more run written to ${cpuProfilePath}\n${summarizeProfile(cpuProfilePath, items)}`);
				profile = `; CPU profile: ${cpuProfilePath}`;
			}
			const ratio = median(walls) / jobMs;
			const rows: Row[] = [
				{
					scenario: 'All in flight',
					figure: `${items} items × ${jobMs / 1000} s jobs, default parameters: node wall ÷ job time`,
					value: `${ratio.toFixed(2)} (node ${seconds(median(walls))}, workflow ${seconds(median(workflowWalls))}; ${Math.max(...peaks)} jobs running at once)`,
					target: `≤ ${maxRatio.toFixed(2)}`,
					pass: ratio <= maxRatio,
					data: { nodeWallMs: walls, workflowWallMs: workflowWalls, peakJobsRunning: peaks, spreads },
				},
				{
					scenario: 'All in flight',
					figure: "same batch, n8n's binary storage replaced by reading each video to its end",
					value: `${(median(unstoredWalls) / jobMs).toFixed(2)} (node ${seconds(median(unstoredWalls))}): storing ${items} videos costs ${seconds(median(walls) - median(unstoredWalls))}`,
					target: '(reported)',
					data: { nodeWallMs: unstoredWalls },
				},
				{
					scenario: 'All in flight',
					figure: 'where the time beyond one job goes (medians)',
					value: `first submit ${Math.round(median(spreads.map((s) => s.firstSubmitAfterStartMs)))} ms after the node started; submits spread over ${Math.round(median(spreads.map((s) => s.submitSpreadMs)))} ms; last result fetched ${Math.round(median(spreads.map((s) => s.lastFetchAfterLastDoneMs)))} ms after the last job completed`,
					target: '(reported)',
					data: { spreads },
				},
			];
			return {
				name: 'All in flight',
				emulator: `--run-ms ${jobMs} (concurrency unlimited)`,
				setup: `${items} items, Generate with URL inputs, every option at its default; ${runsOf(ctx.config.runs)}${profile}`,
				rows,
				runs: walls.map((wallMs, index) => ({ wallMs, peakJobsRunning: peaks[index] })),
			};
		});
	},
};

export const queued: Scenario = {
	id: 'queued',
	title: 'Queued on a busy account',
	async run(ctx) {
		const { items, jobMs, concurrency, timeoutMinutes, maxFactor } = ctx.config.queued;
		const waves = Math.ceil(items / concurrency);
		const targetMs = maxFactor * waves * jobMs;
		return await withProcesses(ctx, 'queued', { runMs: jobMs, concurrency }, 1, async (emulator, [engine]) => {
			await engine.run({ emulatorUrl: emulator.url, items: concurrency, prompt: WARMUP_PROMPT });
			const walls: number[] = [];
			for (let run = 1; run <= ctx.config.runs; run++) {
				await emulator.reset();
				const result = await engine.run({ emulatorUrl: emulator.url, items, timeoutMinutes });
				// Every item must get its video: a timeout counted from submission would fail the later waves.
				assertComplete(result, items, 'queued');
				walls.push(result.workflowMs);
				ctx.progress(`queued run ${run}/${ctx.config.runs}: ${seconds(result.workflowMs)}`);
			}
			const wall = median(walls);
			return {
				name: 'Queued on a busy account',
				emulator: `--run-ms ${jobMs} --concurrency ${concurrency}`,
				setup: `${items} items, Timeout ${timeoutMinutes} min (${seconds(timeoutMinutes * 60_000, 0)}: more than a job's render time, less than the batch's queue time), other options default; ${runsOf(ctx.config.runs)}`,
				rows: [
					{
						scenario: 'Queued on a busy account',
						figure: `${items} items, ${concurrency} running at a time, Timeout ${timeoutMinutes} min: every item gets its video; wall`,
						value: `${items}/${items} videos, ${seconds(wall)}`,
						target: `≤ ${seconds(targetMs, 1)} (${maxFactor} × ${waves} waves × ${jobMs / 1000} s)`,
						pass: wall <= targetMs,
						data: { wallMs: walls },
					},
				],
				runs: walls.map((wallMs) => ({ wallMs })),
			};
		});
	},
};

export const connections: Scenario = {
	id: 'connections',
	title: 'Connections',
	async run(ctx) {
		const { items, jobMs, concurrency, maxExtraConnections } = ctx.config.connections;
		return await withProcesses(ctx, 'connections', { runMs: jobMs, concurrency }, 1, async (emulator, [engine]) => {
			await engine.run({ emulatorUrl: emulator.url, items: concurrency, prompt: WARMUP_PROMPT });
			await emulator.reset();
			const result = await engine.run({ emulatorUrl: emulator.url, items });
			assertComplete(result, items, 'connections');
			const { peak } = await emulator.connections();
			const log = await emulator.log();
			const count = (route: string) => log.filter((entry) => entry.route === route).length;
			const polls = count('status');
			const streams = count('stream');
			const maxPeak = concurrency + maxExtraConnections;
			ctx.progress(`connections: peak ${peak}, ${polls} polls, ${streams} streams, ${seconds(result.workflowMs)}`);
			return {
				name: 'Connections',
				emulator: `--run-ms ${jobMs} --concurrency ${concurrency}`,
				setup: `${items} items in flight (default parameters); peak = most TCP connections open at the emulator at once (the benchmark's own control connection included)`,
				rows: [
					{
						scenario: 'Connections',
						figure: `${items} items in flight, ${concurrency} running: peak open connections`,
						value: String(peak),
						target: `≤ ${maxPeak} (${concurrency} + ${maxExtraConnections})`,
						pass: peak <= maxPeak,
						data: { peak },
					},
					{
						scenario: 'Connections',
						figure: 'status requests per job (polls + streams)',
						value: `${((polls + streams) / items).toFixed(1)} (${(polls / items).toFixed(1)} polls + ${(streams / items).toFixed(1)} streams); wall ${seconds(result.workflowMs)}`,
						target: '',
						data: { polls, streams, submits: count('submit'), results: count('result'), wallMs: result.workflowMs },
					},
				],
				runs: [{ peak, polls, streams, wallMs: result.workflowMs }],
			};
		});
	},
};
