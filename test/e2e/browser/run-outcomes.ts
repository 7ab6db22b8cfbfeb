/**
 * What a run tells the user in the editor (issue 20): Cancel's output says whether the job was queued
 * (removed, free) or running (signalled, may still bill), and an error shows fal's own answer and the
 * parameter the user set, not only the HTTP code.
 */
import { check } from '../checks';
import { waitFor } from '../processes';
import type { ScenarioResult } from '../report';
import { byTestId, type Editor } from './editor';
import { lastExecutionStatus } from './example-run';
import { openNodeOf } from './ndv';
import type { BrowserStage } from './stage';
import { WALK } from './walk-workflows';

const MINUTE = 60_000;
const QUEUED_NOTE = 'The job was still queued: fal removed it.';
const RUNNING_NOTE = 'The job was already running: fal signalled it to stop, but it may still finish and be billed.';
/** fal's own words for the 422 the emulator answers (`[emulator:422 audio_url]`). */
const FAL_DETAIL = 'Emulated validation error for audio_url';

export async function checkRunOutcomes(stage: BrowserStage, editor: Editor): Promise<void> {
	const { cancel, refused } = WALK;

	await stage.scenario('Cancel: the output says queued (removed, free) or running (may still bill)', async (): Promise<ScenarioResult> => {
		await editor.openWorkflow(cancel.id, cancel.cancel);
		await editor.executeWorkflow(cancel.cancel, MINUTE);
		const ndv = await openNodeOf(editor, cancel.id, cancel.cancel);
		const running = await ndv.shows(RUNNING_NOTE);
		const queued = !running && (await ndv.shows(QUEUED_NOTE, 1_000));
		const shot = await editor.screenshot('cancel-output', ndv.root);
		check(running || queued, `Cancel's output says neither "${RUNNING_NOTE}" nor "${QUEUED_NOTE}" (${shot})`);
		const jobWas = running ? 'running' : 'queued';
		check(await ndv.shows(jobWas), `Cancel's output does not show jobWas "${jobWas}" (${shot})`);
		await ndv.close();
		stage.summary.push(`Cancel's output: jobWas ${jobWas}: "${running ? RUNNING_NOTE : QUEUED_NOTE}"`);
		return { status: 'success', note: `jobWas ${jobWas}, with the note saying what that costs` };
	});

	await stage.scenario("an error shows fal's own detail and the user's parameter", async (): Promise<ScenarioResult> => {
		await editor.openWorkflow(refused.id, refused.node);
		await editor.page.locator(byTestId('execute-workflow-button')).click();
		const status = await finishedStatus(editor, refused.id);
		check(status === 'error', `The run ended "${status}", expected "error"`);
		const ndv = await openNodeOf(editor, refused.id, refused.node);
		const shown = (await ndv.shows(FAL_DETAIL, 10_000)) && (await ndv.shows('Audio URL (audio_url)'));
		const shot = await editor.screenshot('error-detail', ndv.root);
		check(shown, `The error view does not show fal's "${FAL_DETAIL}" and the parameter "Audio URL (audio_url)": ${(await ndv.text()).slice(0, 600)} (${shot})`);
		await ndv.close();
		stage.summary.push(`error view: fal's "${FAL_DETAIL}", naming Audio URL (audio_url)`);
		return { status, note: "fal's detail and the user's parameter shown" };
	});
}

/** Polls the executions list until the workflow's latest run has ended. */
async function finishedStatus(editor: Editor, workflowId: string): Promise<string> {
	let status = '';
	await waitFor('the run to end', MINUTE, async () => {
		status = await lastExecutionStatus(editor, workflowId);
		return ['success', 'error', 'crashed', 'canceled'].includes(status);
	});
	return status;
}
