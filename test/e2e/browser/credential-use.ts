/**
 * The Fal API credential beyond this node (issue 20): HTTP Request → Authentication → Predefined
 * Credential Type lists it, and a run of that node sends fal's `Authorization: Key …` header, as the
 * emulator's request log shows. And the credential dialog says where the key comes from, visibly.
 */
import { check } from '../checks';
import { EMULATOR_API_KEY, EXAMPLE_CREDENTIAL } from '../config';
import type { ScenarioResult } from '../report';
import type { Editor } from './editor';
import { openNodeOf } from './ndv';
import type { BrowserStage } from './stage';
import { PROBE_REQUEST_ID, WALK } from './walk-workflows';

const MINUTE = 60_000;

export async function checkCredentialUse(stage: BrowserStage, editor: Editor): Promise<void> {
	await stage.scenario('HTTP Request → Predefined Credential Type lists Fal API; its run sends the key', async (): Promise<ScenarioResult> => {
		// What the editor reads to offer the credential: a declarative `authenticate` in /types/credentials.json.
		const types = JSON.parse((await editor.restGet('/types/credentials.json')).body.toString('utf8')) as Array<{ name: string; authenticate?: unknown }>;
		check(types.find((type) => type.name === 'falApi')?.authenticate, "/types/credentials.json gives falApi no authenticate: the editor cannot offer it");

		const ndv = await openNodeOf(editor, WALK.http.id, WALK.http.node);
		const control = ndv.select('nodeCredentialType');
		let shot = '';
		const listed = await ndv.listedBy(control, { filter: 'fal', whileOpen: async () => (shot = await editor.screenshot('http-request-fal-credential', ndv.root)) });
		check(listed.includes('Fal API'), `Predefined Credential Type, searched for "fal", lists ${JSON.stringify(listed)} (${shot})`);
		await ndv.close();

		const since = Date.now();
		await editor.executeWorkflow(WALK.http.node, MINUTE);
		const probes = (await stage.emulator.requestLog()).filter((entry) => entry.time >= since && entry.path.includes(PROBE_REQUEST_ID));
		check(probes.length === 1, `The HTTP Request node sent ${probes.length} requests to the emulator, expected 1`);
		const [probe] = probes;
		check(probe.authorization === `Key ${EMULATOR_API_KEY}`, `The HTTP Request node sent Authorization "${probe.authorization ?? '(none)'}", not the credential's key`);
		stage.summary.push(`HTTP Request → Predefined Credential Type, "fal": ${listed.join(', ')}; its GET ${probe.path} carried Authorization: Key <the credential's key>`);
		return { status: 'success', note: `lists Fal API; the request carried "Key <key>" (answered ${probe.status})` };
	});

	await stage.scenario('the credential dialog shows where to get the key', async (): Promise<ScenarioResult> => {
		await editor.page.goto(`/home/credentials/${EXAMPLE_CREDENTIAL.id}`);
		const dialog = editor.page.getByRole('dialog').filter({ hasText: 'API Key' }).first();
		await dialog.waitFor({ timeout: MINUTE });
		const help = dialog.getByText('Create a key at').first();
		await help.waitFor({ timeout: 10_000 }).catch(() => undefined);
		const shot = await editor.screenshot('credential-help', dialog);
		check(await help.isVisible(), `The credential dialog shows no "Create a key at" under API Key (${shot})`);
		const link = await dialog.locator('a[href*="fal.ai/dashboard/keys"]').count();
		check(link > 0, `The key's help has no link to fal's key page (${shot})`);
		await editor.page.keyboard.press('Escape');
		stage.summary.push('credential dialog: the API Key field shows "Create a key at fal.ai/dashboard/keys …" under it');
		return { status: 'success', note: 'the key help is shown under the field, with the link' };
	});
}
