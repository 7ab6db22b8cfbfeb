/**
 * The example run from the editor, as a user runs it: "Execute workflow", then the Stable Avatar
 * node's output in the Binary view, where the player must load the video. The bytes the player gets
 * must be the ones fal (the emulator) served for the job this run submitted.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

import { check, GENERATE_NODE, SAVE_NODE } from '../checks';
import type { ScenarioResult } from '../report';
import type { Editor } from './editor';
import type { BrowserStage } from './stage';

const MINUTE = 60_000;

export async function checkExampleRun(stage: BrowserStage, editor: Editor): Promise<void> {
	const { emulator, example } = stage;
	await stage.scenario(`${example.file}: run from the editor, video in the Binary view`, async (): Promise<ScenarioResult> => {
		const earlierJobs = new Set((await emulator.jobs()).map((job) => job.requestId));
		await stage.openExample();
		try {
			await editor.executeWorkflow(SAVE_NODE, 3 * MINUTE);
		} catch (error) {
			const shot = await editor.screenshot('run-failed');
			throw new Error(`${(error as Error).message.split('\n')[0]}; on screen: ${(await editor.toasts()) || 'no message'} (${shot})`);
		}
		const canvasShot = await editor.screenshot('example-executed');
		const status = await lastExecutionStatus(editor, example.id);
		check(status === 'success', `The editor's run ended "${status}" (${canvasShot})`);

		const jobs = (await emulator.jobs()).filter((job) => !earlierJobs.has(job.requestId));
		check(jobs.length === 1, `The run submitted ${jobs.length} jobs to fal, expected 1`);
		const [job] = jobs;
		check(job.status === 'COMPLETED' && job.outcome.kind === 'success', `Job ${job.requestId} is ${job.status} / ${job.outcome.kind}`);

		const ndv = await editor.openNode(GENERATE_NODE);
		const entry = await ndv.showBinary();
		await editor.screenshot('binary-view');
		check(entry.text.includes('video/mp4'), `The Binary view does not show a video/mp4: "${entry.text}"`);
		const video = await ndv.playFirstBinary();
		const playerShot = await editor.screenshot('binary-view-video');
		check(video.error === undefined && video.readyState >= 1, `The player did not load the video (error ${video.error}, readyState ${video.readyState}) (${playerShot})`);
		check(video.mimeType === 'video/mp4', `The player's source is ${video.mimeType || 'untyped'}, not video/mp4`);
		check(video.durationSeconds > 0 && video.width > 0, `The player shows ${video.width}×${video.height}, ${video.durationSeconds} s`);

		const response = await editor.restGet(video.src);
		check(response.ok, `The player's source ${video.src} answered ${response.status}`);
		const bytes = response.body;
		check(bytes.length === job.videoBytes, `The player got ${bytes.length} bytes, fal served ${job.videoBytes}`);
		const sha256 = createHash('sha256').update(bytes).digest('hex');
		check(sha256 === (await emulator.videoSha256(job.requestId)), 'The video in the Binary view differs from the one fal served');
		stage.summary.push(`example run: ${video.width}×${video.height} video of ${video.durationSeconds.toFixed(1)} s plays in the Binary view (${entry.text})`);
		return {
			status,
			videoBytes: [bytes.length],
			note: `the player loads ${video.width}×${video.height}, ${video.durationSeconds.toFixed(1)} s, the bytes fal served; ${basename(playerShot)}`,
		};
	});
}

/** What the editor's executions list says about the latest run of the workflow. */
export async function lastExecutionStatus(editor: Editor, workflowId: string): Promise<string> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const response = await editor.restGet(`/rest/executions?filter=${filter}&limit=1`);
	check(response.ok, `The executions list answered ${response.status}`);
	const body = JSON.parse(response.body.toString('utf8')) as { data?: { results?: Array<{ status?: string }> } };
	return body.data?.results?.[0]?.status ?? '(no execution listed)';
}
