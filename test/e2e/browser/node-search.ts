/**
 * Can a user who installed the package find its nodes? Each search term is typed into the main nodes
 * panel ("What happens next?") of an open workflow, as a user adding a step would; the AI panel must
 * still list the node; a trigger node, when the installed package has one, must be found in the main
 * panel too and where workflows start ("What triggers this workflow?").
 */
import { basename } from 'node:path';

import { check } from '../checks';
import type { ScenarioResult } from '../report';
import type { Editor, ListedItem, SearchOutcome } from './editor';
import type { BrowserStage } from './stage';

export const SEARCH_TERMS = ['avatar', 'stable avatar', 'fal', 'talking head', 'lip sync', 'video'] as const;
const TRIGGER_PANEL_TERMS = ['avatar', 'stable avatar', 'fal'] as const;
const MAIN_PANEL = 'What happens next?';
const TRIGGER_PANEL = 'What triggers this workflow?';

/** One of the package's node types as the editor loaded it (`/types/nodes.json`). */
export interface PackageNode {
	displayName: string;
	description: string;
	trigger: boolean;
}

/** The names the panel may list a node under: n8n lists "X Trigger" as "X" (its description tells them apart). */
function listedNames(node: PackageNode): string[] {
	return node.trigger ? [node.displayName, node.displayName.replace(/ Trigger$/, '')] : [node.displayName];
}

/**
 * Position (0-based) of the node in the panel's list; -1 if absent. An item counts when it bears one of
 * the node's names and the description of one of the package's nodes of that name: the editor merges
 * "Stable Avatar" and "Stable Avatar Trigger" into one item, described by one of the two (seen: the trigger's).
 */
function positionOf(node: PackageNode, shown: ListedItem[], family: PackageNode[]): number {
	const names = listedNames(node);
	return shown.findIndex((item) => {
		if (!names.includes(item.name)) return false;
		return family.some((member) => listedNames(member).includes(item.name) && member.description === item.description);
	});
}

export async function checkNodeSearch(stage: BrowserStage, editor: Editor, nodes: PackageNode[]): Promise<void> {
	const { log } = stage;
	const searched: string[] = [];

	for (const term of SEARCH_TERMS) {
		await stage.scenario(`main nodes panel: "${term}"`, async (): Promise<ScenarioResult> => {
			await stage.openExample();
			const outcome = await searchPanel(editor, MAIN_PANEL, term, nodes);
			searched.push(`"${term}" → ${summary(outcome, nodes, nodes)}`);
			log(`  searched "${term}" in the main panel: ${describe(outcome)}`);
			return found(outcome, nodes, nodes, `"${term}" in the main nodes panel`);
		});
	}

	const actions = nodes.filter((node) => !node.trigger);
	await stage.scenario('AI panel: "avatar"', async (): Promise<ScenarioResult> => {
		await stage.openExample();
		const panel = editor.nodesPanel();
		await panel.open();
		await editor.screenshot('nodes-panel');
		await panel.openCategory('AI');
		const outcome: ShownOutcome = await panel.search('avatar', actions.flatMap(listedNames));
		outcome.screenshot = await editor.screenshot('ai-panel-avatar');
		await panel.close();
		searched.push(`AI panel "avatar" → ${summary(outcome, actions, nodes)}`);
		log(`  searched "avatar" in the AI panel: ${describe(outcome)}`);
		return found(outcome, actions, nodes, '"avatar" in the AI panel');
	});

	const triggers = nodes.filter((node) => node.trigger);
	if (triggers.length === 0) {
		// A row of its own, so the table says the trigger was not checked rather than staying silent.
		await stage.scenario('trigger panel: package has no trigger node', async (): Promise<ScenarioResult> => {
			searched.push('trigger panel: skipped, the installed package has no trigger node');
			return { status: 'skipped', note: "no trigger type of this package in the editor's /types/nodes.json" };
		});
	}
	for (const term of triggers.length ? TRIGGER_PANEL_TERMS : []) {
		await stage.scenario(`trigger panel: "${term}"`, async (): Promise<ScenarioResult> => {
			await editor.openNewWorkflow();
			const outcome = await searchPanel(editor, TRIGGER_PANEL, term, triggers);
			searched.push(`trigger panel "${term}" → ${summary(outcome, triggers, nodes)}`);
			log(`  searched "${term}" in the trigger panel: ${describe(outcome)}`);
			return found(outcome, triggers, nodes, `"${term}" in the trigger panel`);
		});
	}
	stage.summary.push(...searched);
}

interface ShownOutcome extends SearchOutcome {
	screenshot?: string;
}

async function searchPanel(editor: Editor, heading: string, term: string, nodes: PackageNode[]): Promise<ShownOutcome> {
	const panel = editor.nodesPanel();
	await panel.open();
	const shownHeading = await panel.heading();
	check(shownHeading === heading, `The plus button opened "${shownHeading}", expected "${heading}"`);
	const outcome: ShownOutcome = await panel.search(term, nodes.flatMap(listedNames));
	const where = heading === MAIN_PANEL ? 'search' : 'trigger-search';
	outcome.screenshot = await editor.screenshot(`${where}-${term.replace(/\W+/g, '-')}`);
	// What the search showed is the finding; a panel that will not close is cleaned up by the next open().
	await panel.close().catch(() => undefined);
	return outcome;
}

function found(outcome: ShownOutcome, wanted: PackageNode[], family: PackageNode[], where: string): ScenarioResult {
	const missing = wanted.filter((node) => positionOf(node, outcome.shown, family) < 0).map((node) => node.displayName);
	check(missing.length === 0, `${missing.join(', ')} not found by ${where}; it shows ${describe(outcome)} (${outcome.screenshot})`);
	const ranks = wanted.map((node) => {
		const position = positionOf(node, outcome.shown, family);
		const item = outcome.shown[position];
		const describedBy = family.find((member) => member.description === item.description)?.displayName;
		const details = [
			item.name === node.displayName ? '' : `listed as "${item.name}"`,
			describedBy === node.displayName ? '' : `one item with ${describedBy}, described as ${describedBy}`,
		].filter(Boolean);
		const as = details.length ? ` (${details.join('; ')})` : '';
		return `${node.displayName}${as}: result ${position + 1} of ${outcome.shown.length}`;
	});
	return { status: 'found', note: `${ranks.join(', ')}; ${basename(outcome.screenshot ?? '')}` };
}

function describe(outcome: SearchOutcome): string {
	if (outcome.noResults || outcome.shown.length === 0) return 'No results';
	const first = outcome.shown.slice(0, 6).map((item) => item.name);
	return `${outcome.shown.length} results: ${first.join(', ')}${outcome.shown.length > 6 ? ', …' : ''}`;
}

function summary(outcome: SearchOutcome, wanted: PackageNode[], family: PackageNode[]): string {
	const hits = wanted.filter((node) => positionOf(node, outcome.shown, family) >= 0).map((node) => node.displayName);
	const misses = wanted.filter((node) => positionOf(node, outcome.shown, family) < 0).map((node) => node.displayName);
	const parts = [hits.length ? `found ${hits.join(', ')}` : '', misses.length ? `NOT found ${misses.join(', ')}` : ''];
	return `${parts.filter(Boolean).join('; ')} (${describe(outcome)})`;
}
