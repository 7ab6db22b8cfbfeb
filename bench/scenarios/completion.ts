/**
 * 3. Noticing completion: long jobs, and how soon after the emulator marks a job COMPLETED the node
 * asks for its result (JobRecord.completedAt → firstResultFetchAt, both on the emulator's clock), plus
 * how many status requests (polls + SSE stream connections) each job cost.
 *
 * A full run's jobs take 60 s, so the runs go concurrently: one engine process per run, all started
 * at once against one emulator. Each run's median is taken, then the median of those.
 */
import type { RequestLogEntry } from '../../test/emulator';
import { assertComplete, list, max, median, millis } from '../measure';
import type { Row } from '../types';
import { WARMUP_PROMPT, withProcesses, type Scenario } from './scenario';

export const completion: Scenario = {
	id: 'completion',
	title: 'Noticing completion',
	async run(ctx) {
		const { jobMs, itemsPerRun, maxMedianDelayMs, maxStatusRequests } = ctx.config.completion;
		// The runs go at once, so three cost no more time than one, in --quick too.
		const runs = Math.max(ctx.config.runs, 3);
		return await withProcesses(ctx, 'completion', { runMs: jobMs }, runs, async (emulator, engines) => {
			await Promise.all(
				engines.map(async (engine) => await engine.run({ emulatorUrl: emulator.url, items: itemsPerRun, maxConcurrentJobs: itemsPerRun, prompt: WARMUP_PROMPT })),
			);
			await emulator.reset();
			ctx.progress(`completion: ${runs} concurrent runs of ${itemsPerRun} × ${jobMs / 1000} s jobs`);
			const results = await Promise.all(
				engines.map(async (engine) => await engine.run({ emulatorUrl: emulator.url, items: itemsPerRun, maxConcurrentJobs: itemsPerRun })),
			);
			results.forEach((result, index) => assertComplete(result, itemsPerRun, `completion run ${index + 1}`));
			const jobs = new Map((await emulator.jobs()).map((job) => [job.requestId, job]));
			const log = await emulator.log();

			const perRun = results.map((result) => {
				const perJob = result.outputs.map((output) => {
					const job = jobs.get(output.requestId ?? '');
					if (!job?.completedAt || !job.firstResultFetchAt) throw new Error(`completion: job ${output.requestId} has no completion or result fetch time`);
					const requests = statusRequests(log, job.requestId);
					return { requestId: job.requestId, delayMs: job.firstResultFetchAt - job.completedAt, runMs: job.completedAt - (job.startedAt ?? job.submittedAt), ...requests };
				});
				return {
					medianDelayMs: median(perJob.map((j) => j.delayMs)),
					maxDelayMs: max(perJob.map((j) => j.delayMs)),
					medianRequests: median(perJob.map((j) => j.total)),
					maxRequests: max(perJob.map((j) => j.total)),
					wallMs: result.workflowMs,
					jobs: perJob,
				};
			});
			perRun.forEach((run, index) =>
				ctx.progress(`completion run ${index + 1}: delay median ${millis(run.medianDelayMs)}, worst ${millis(run.maxDelayMs)}; status requests per job ≤ ${run.maxRequests}`),
			);
			const medianDelay = median(perRun.map((r) => r.medianDelayMs));
			const worstDelay = max(perRun.map((r) => r.maxDelayMs));
			const medianRequests = median(perRun.map((r) => r.medianRequests));
			const worstRequests = max(perRun.map((r) => r.maxRequests));
			const allJobs = perRun.flatMap((r) => r.jobs);
			const rows: Row[] = [
				{
					scenario: 'Completion',
					figure: `COMPLETED → result fetch, median (${jobMs / 1000} s jobs)`,
					value: millis(medianDelay),
					target: `≤ ${maxMedianDelayMs} ms`,
					pass: medianDelay <= maxMedianDelayMs,
					data: { perRunMedianMs: perRun.map((r) => r.medianDelayMs) },
				},
				{
					scenario: 'Completion',
					figure: `COMPLETED → result fetch, worst of ${allJobs.length} jobs`,
					value: millis(worstDelay),
					target: '(reported)',
					data: { perRunMaxMs: perRun.map((r) => r.maxDelayMs) },
				},
				{
					scenario: 'Completion',
					figure: 'status requests per job (status + stream)',
					value: `${medianRequests} median, ${worstRequests} worst (${median(allJobs.map((j) => j.stream))} stream + ${median(allJobs.map((j) => j.status))} status)`,
					target: `≤ ${maxStatusRequests}`,
					pass: worstRequests <= maxStatusRequests,
					data: { perRunMedian: perRun.map((r) => r.medianRequests), perRunMax: perRun.map((r) => r.maxRequests) },
				},
			];
			return {
				name: 'Noticing completion',
				emulator: `--run-ms ${jobMs} (concurrency unlimited)`,
				setup: `${runs} runs at the same time (one engine process each) of ${itemsPerRun} items, Max Concurrent Jobs ${itemsPerRun}; run medians ${list(perRun.map((r) => r.medianDelayMs), millis)}`,
				rows,
				runs: perRun,
			};
		});
	},
};

/** Requests that asked about a job's status: one-off polls and SSE stream connections. */
function statusRequests(log: RequestLogEntry[], requestId: string): { status: number; stream: number; total: number } {
	let status = 0;
	let stream = 0;
	for (const entry of log) {
		if (entry.requestId !== requestId) continue;
		if (entry.route === 'status') status++;
		if (entry.route === 'stream') stream++;
	}
	return { status, stream, total: status + stream };
}
