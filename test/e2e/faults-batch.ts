/**
 * The batch example under faults (issue 20): 20 items while about one request in five fails on every
 * route the batch uses (submit, status polls, stream, result, CDN download). Every item must end with
 * its own intact video, and the emulator must show one job per item.
 */
import type { IWorkflowBase } from 'n8n-workflow';

import { DELIVERABLE_FAULTS, DELIVERABLE_ITEMS } from '../reliability/deliverable-faults';
import { check, checkVideos, type VideoExpectations } from './checks';
import type { EmulatorClient } from './emulator';
import type { ScenarioResult } from './report';
import type { RunRecord } from './run-record';
import { asVariant, EXAMPLES, loadExample, settingOf, withSettings } from './workflows';

const PROMPT_MARKER = 'faults-batch item';
/** Jobs at once: several waves, so submits, polls and downloads interleave under the faults. */
const CONCURRENT_JOBS = 5;

export const FAULTS_SCENARIO = `${EXAMPLES.batch} (${DELIVERABLE_ITEMS} items, ~20 % faults on every route)`;

/** The batch example with 20 scripts, each with its own prompt (to find its job) and file name. */
export function faultsBatchWorkflow(outputFolder: string): IWorkflowBase {
	const example = loadExample(EXAMPLES.batch);
	const [script] = JSON.parse(String(settingOf(example, 'scripts'))) as Array<{ audioUrl: string }>;
	const scripts = Array.from({ length: DELIVERABLE_ITEMS }, (_, n) => ({
		name: `faults-${n}`,
		audioUrl: script.audioUrl,
		prompt: `A person speaks. ${PROMPT_MARKER} ${n} [emulator:video-bytes=${200_000 + n * 1_000}]`,
	}));
	const workflow = asVariant(withSettings(example, { scripts: JSON.stringify(scripts), outputFolder }), 'Faults', 'under faults');
	const avatar = workflow.nodes.find((node) => node.type.endsWith('.stableAvatar'));
	check(avatar, `${workflow.name}: no Stable Avatar node`);
	avatar.parameters.advancedOptions = { maxConcurrentJobs: CONCURRENT_JOBS };
	return workflow;
}

/** Runs the workflow with the faults in force (and none after), then checks 20/20 intact videos, one job each. */
export async function runUnderFaults(
	emulator: EmulatorClient,
	execute: () => Promise<RunRecord>,
	expected: Omit<VideoExpectations, 'count'>,
): Promise<ScenarioResult> {
	const since = Date.now();
	await emulator.addFaults(DELIVERABLE_FAULTS);
	let run: RunRecord;
	try {
		run = await execute();
	} finally {
		await emulator.clearFaults();
	}
	const videos = await checkVideos(run, emulator, {
		...expected,
		count: DELIVERABLE_ITEMS,
	});
	const jobs = (await emulator.jobs()).filter((job) => String(job.input.prompt).includes(PROMPT_MARKER));
	const items = new Set(jobs.map((job) => String(job.input.prompt)));
	check(
		jobs.length === DELIVERABLE_ITEMS && items.size === DELIVERABLE_ITEMS,
		`${jobs.length} jobs for ${items.size} items, expected one job per item`,
	);

	// Per route: requests that met a fault, of all requests (the log has no entries for the control routes).
	const byRoute = new Map<string, { faulted: number; all: number }>();
	for (const entry of (await emulator.requestLog()).filter((logged) => logged.time >= since)) {
		const counts = byRoute.get(entry.route) ?? { faulted: 0, all: 0 };
		counts.all += 1;
		if (entry.fault !== undefined) counts.faulted += 1;
		byRoute.set(entry.route, counts);
	}
	const faulted = (route: string) => (byRoute.get(route)?.faulted ?? 0) > 0;
	for (const route of ['submit', 'result', 'cdn']) check(faulted(route), `No ${route} request met a fault: the scenario proves nothing there`);
	check(faulted('status') || faulted('stream'), 'No status poll or stream met a fault');
	const figures = [...byRoute].map(([route, counts]) => `${route} ${counts.faulted}/${counts.all}`).join(', ');
	return {
		status: run.status,
		videoBytes: videos.map((video) => video.bytes),
		note: `${videos.length}/${DELIVERABLE_ITEMS} intact, ${jobs.length} jobs; requests faulted/all: ${figures}`,
	};
}
