/**
 * Can a user who installed the package find its nodes? Each search term is typed into the main nodes
 * panel ("What happens next?") of an open workflow, as a user adding a step would; the AI panel must
 * still list the node; a trigger node, when the installed package has one, must be found where
 * workflows start ("What triggers this workflow?").
 */
import { basename } from 'node:path';

import { check } from '../checks';
import type { ScenarioResult } from '../report';
import type { Editor, SearchOutcome } from './editor';
import type { BrowserStage } from './stage';

export const SEARCH_TERMS = ['avatar', 'stable avatar', 'fal', 'talking head', 'lip sync', 'video'] as const;
const TRIGGER_TERMS = ['avatar', 'stable avatar', 'fal'] as const;
const MAIN_PANEL = 'What happens next?';
const TRIGGER_PANEL = 'What triggers this workflow?';

/** The package's node types as the editor loaded them (`/types/nodes.json`), by display name. */
export interface PackageNodes {
	actions: string[];
	triggers: string[];
}

export async function checkNodeSearch(stage: BrowserStage, editor: Editor, nodes: PackageNodes): Promise<void> {
	const { log } = stage;
	const searched: string[] = [];

	for (const term of SEARCH_TERMS) {
		await stage.scenario(`main nodes panel: "${term}"`, async (): Promise<ScenarioResult> => {
			await stage.openExample();
			const outcome = await searchPanel(editor, MAIN_PANEL, term, nodes.actions);
			searched.push(`"${term}" → ${summary(outcome, nodes.actions)}`);
			log(`  searched "${term}" in the main panel: ${describe(outcome)}`);
			return found(outcome, nodes.actions, `"${term}" in the main nodes panel`);
		});
	}

	await stage.scenario('AI panel: "avatar"', async (): Promise<ScenarioResult> => {
		await stage.openExample();
		const panel = editor.nodesPanel();
		await panel.open();
		await editor.screenshot('nodes-panel');
		await panel.openCategory('AI');
		const outcome: ShownOutcome = await panel.search('avatar', nodes.actions);
		outcome.screenshot = await editor.screenshot('ai-panel-avatar');
		await panel.close();
		searched.push(`AI panel "avatar" → ${summary(outcome, nodes.actions)}`);
		log(`  searched "avatar" in the AI panel: ${describe(outcome)}`);
		return found(outcome, nodes.actions, '"avatar" in the AI panel');
	});

	if (nodes.triggers.length === 0) {
		// A row of its own, so the table says the trigger was not checked rather than staying silent.
		await stage.scenario('trigger panel: package has no trigger node', async (): Promise<ScenarioResult> => {
			searched.push('trigger panel: skipped, the installed package has no trigger node');
			return { status: 'skipped', note: 'no trigger type in the editor\'s /types/nodes.json for this package' };
		});
	}
	for (const trigger of nodes.triggers) {
		for (const term of TRIGGER_TERMS) {
			await stage.scenario(`trigger panel: "${term}" finds ${trigger}`, async (): Promise<ScenarioResult> => {
				await editor.openNewWorkflow();
				// n8n lists an app's trigger under the app's own item when both exist ("Slack" for Slack Trigger).
				const names = [trigger, trigger.replace(/ Trigger$/, '')];
				const outcome = await searchPanel(editor, TRIGGER_PANEL, term, names);
				searched.push(`trigger panel "${term}" → ${summary(outcome, names)}`);
				log(`  searched "${term}" in the trigger panel: ${describe(outcome)}`);
				const listed = names.find((name) => outcome.shown.includes(name));
				check(listed, `${trigger} not found by "${term}" in the trigger panel; it shows ${describe(outcome)} (${outcome.screenshot})`);
				return { status: 'found', note: `as "${listed}", result ${outcome.shown.indexOf(listed) + 1} of ${outcome.shown.length}; ${basename(outcome.screenshot ?? '')}` };
			});
		}
	}
	stage.summary.push(...searched);
}

interface ShownOutcome extends SearchOutcome {
	screenshot?: string;
}

async function searchPanel(editor: Editor, heading: string, term: string, wanted: string[]): Promise<ShownOutcome> {
	const panel = editor.nodesPanel();
	await panel.open();
	const shownHeading = await panel.heading();
	check(shownHeading === heading, `The plus button opened "${shownHeading}", expected "${heading}"`);
	const outcome: ShownOutcome = await panel.search(term, wanted);
	const where = heading === MAIN_PANEL ? 'search' : 'trigger-search';
	outcome.screenshot = await editor.screenshot(`${where}-${term.replace(/\W+/g, '-')}`);
	// What the search showed is the finding; a panel that will not close is cleaned up by the next open().
	await panel.close().catch(() => undefined);
	return outcome;
}

function found(outcome: ShownOutcome, wanted: string[], where: string): ScenarioResult {
	const missing = wanted.filter((name) => !outcome.shown.includes(name));
	check(missing.length === 0, `${missing.join(', ')} not found by ${where}; it shows ${describe(outcome)} (${outcome.screenshot})`);
	const ranks = wanted.map((name) => `${name}: result ${outcome.shown.indexOf(name) + 1} of ${outcome.shown.length}`);
	return { status: 'found', note: `${ranks.join(', ')}; ${basename(outcome.screenshot ?? '')}` };
}

function describe(outcome: SearchOutcome): string {
	if (outcome.noResults || outcome.shown.length === 0) return 'No results';
	const first = outcome.shown.slice(0, 6).join(', ');
	return `${outcome.shown.length} results: ${first}${outcome.shown.length > 6 ? ', …' : ''}`;
}

function summary(outcome: SearchOutcome, wanted: string[]): string {
	const hits = wanted.filter((name) => outcome.shown.includes(name));
	return hits.length ? `found ${hits.join(', ')} (${describe(outcome)})` : `NOT found (${describe(outcome)})`;
}
