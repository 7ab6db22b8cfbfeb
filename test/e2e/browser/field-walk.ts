/**
 * The editor walked as a new user (issue 20): the trigger's panel says how to test (Test URL) and how
 * to go live (Publish), Submit's Webhook URL and Reference carry visible hints, the spend cap is said
 * where a run is set up, Advanced Options come in the order a user decides them, and Custom API Call
 * is where the README says it is. (That Get Status and Cancel offer no Max Concurrent Jobs is checked
 * on the node's description, test/nodes/StableAvatar/descriptions/jobOptions.test.ts.)
 */
import { generateJobOptions } from '../../../nodes/StableAvatar/descriptions/jobOptions';
import { check } from '../checks';
import type { ScenarioResult } from '../report';
import type { Editor } from './editor';
import { openNodeOf, type OpenNode } from './ndv';
import type { BrowserStage } from './stage';
import { WALK } from './walk-workflows';

const { fields } = WALK;
const SPEND_CAP = 'Cost: fal bills $0.10 per second of video';
const ADVANCED_ORDER = (generateJobOptions.options ?? []).map((option) => ('displayName' in option ? option.displayName : option.name));

export async function checkFieldWalk(stage: BrowserStage, editor: Editor): Promise<void> {
	await stage.scenario('trigger panel: test with the Test URL, then Publish', async (): Promise<ScenarioResult> => {
		const ndv = await openNodeOf(editor, fields.id, fields.trigger);
		check(await ndv.shows("Starts when a fal job submitted with this node's URL ends"), "The trigger's panel shows no header of its own");
		// n8n folds the help under this question; a user opens it.
		const question = ndv.root.getByText('When will this node trigger my flow?').first();
		if (await question.isVisible()) await question.click();
		const shot = await editor.screenshot('trigger-panel', ndv.root);
		for (const text of ['Test URL', 'Publish']) check(await ndv.shows(text), `The trigger's panel does not say "${text}" (${shot})`);
		check(!(await ndv.text()).includes('make an event happen'), `The trigger's panel shows n8n's generic help (${shot})`);
		await ndv.close();
		stage.summary.push('trigger panel: its own header; how to test (Test URL) and go live (Publish)');
		return { status: 'success', note: 'header, Test URL and Publish shown' };
	});

	await stage.scenario('Submit: visible hints for Webhook URL and Reference, the spend cap', async (): Promise<ScenarioResult> => {
		const ndv = await openNodeOf(editor, fields.id, fields.submit);
		await ndv.scrollParameters();
		const hints = {
			webhookUrl: await ndv.hintWith("The Stable Avatar Trigger's Production URL"),
			reference: await ndv.hintWith('Comes out of the Stable Avatar Trigger as "reference"'),
		};
		// hintWith scrolled to each (below Prompt and Model Options), as a user would.
		const shot = await editor.screenshot('submit-hints', ndv.root);
		check(hints.webhookUrl, `No hint about the trigger's Production URL shows under Webhook URL (${shot})`);
		check(hints.reference, `No hint about "reference" shows under Reference (${shot})`);
		check(await ndv.shows(SPEND_CAP), `Submit does not show the spend-cap notice (${shot})`);
		await ndv.close();
		stage.summary.push(`Submit: Webhook URL hint "${hints.webhookUrl.slice(0, 60)}…"; Reference hint "${hints.reference.slice(0, 60)}…"; spend-cap notice shown`);
		return { status: 'success', note: 'both hints and the spend-cap notice shown' };
	});

	await stage.scenario('Generate: Advanced Options in decision order, Custom API Call as the README says', async (): Promise<ScenarioResult> => {
		const ndv = await openNodeOf(editor, fields.id, fields.generate);
		check(await ndv.shows(SPEND_CAP), 'Generate does not show the spend-cap notice');
		const operations = await ndv.listedBy(ndv.select('operation'));
		// The README (Operations) says n8n lists Custom API Call for this node, pointing to HTTP Request.
		check(operations.includes('Custom API Call'), `The operation list is ${JSON.stringify(operations)}: no Custom API Call, though the README says it is there`);
		// Escape, which closes a list, may close the details view too: opened afresh for the next list.
		const again = await openNodeOf(editor, fields.id, fields.generate);
		await again.scrollParameters();
		let shot = '';
		const advanced = await again.listedBy(addOptionOf(again, 'Advanced Options'), {
			whileOpen: async () => (shot = await editor.screenshot('advanced-options', again.root)),
		});
		check(advanced[0] === 'Max Estimated Cost (USD)', `Advanced Options list ${JSON.stringify(advanced)}: Max Estimated Cost is not first (${shot})`);
		check(JSON.stringify(advanced) === JSON.stringify(ADVANCED_ORDER), `Advanced Options list ${JSON.stringify(advanced)}, expected ${JSON.stringify(ADVANCED_ORDER)} (${shot})`);
		await ndv.close();
		stage.summary.push(`Generate: operations ${operations.join(', ')}; Advanced Options ${advanced.join(' · ')}`);
		return { status: 'success', note: `Custom API Call listed; Advanced Options start with ${advanced[0]}` };
	});
}

/** The "Add Option" control of the collection with this label: the first one after the label. */
function addOptionOf(ndv: OpenNode, label: string) {
	return ndv.root.getByText(label, { exact: true }).first().locator('xpath=following::*[starts-with(@data-test-id, "collection-parameter-add")][1]');
}
