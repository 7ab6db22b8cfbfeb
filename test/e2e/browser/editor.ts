/**
 * The n8n editor as a user meets it, located by the `data-test-id` attributes n8n's own browser tests
 * use. Every wait is bounded; a timeout names what did not appear.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

import type { Owner } from '../n8n';

const SECOND = 1000;

export function byTestId(id: string): string {
	return `[data-test-id="${id}"]`;
}

function exactText(text: string): RegExp {
	return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

export class Editor {
	private shots = 0;

	constructor(
		readonly page: Page,
		private readonly screenshotDir: string,
	) {}

	async logIn(owner: Owner): Promise<void> {
		await this.page.goto('/signin');
		await this.page.locator(`${byTestId('emailOrLdapLoginId')} input`).fill(owner.email);
		await this.page.locator(`${byTestId('password')} input`).fill(owner.password);
		await this.page.locator(byTestId('form-submit-button')).click();
		await this.page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 30 * SECOND });
	}

	/** Waits until the page shows this text (e.g. a workflow's name on the home page's list). */
	async waitForText(text: string, timeoutMs = 60 * SECOND): Promise<void> {
		await this.page.getByText(text).first().waitFor({ timeout: timeoutMs });
	}

	/** Opens a saved workflow and waits until its canvas shows the given node. */
	async openWorkflow(workflowId: string, someNode: string): Promise<void> {
		await this.page.goto(`/workflow/${encodeURIComponent(workflowId)}`);
		await this.canvasNode(someNode).waitFor({ timeout: 60 * SECOND });
	}

	async openNewWorkflow(): Promise<void> {
		await this.page.goto('/workflow/new');
		await this.page.locator(byTestId('node-creator-plus-button')).waitFor({ timeout: 60 * SECOND });
	}

	canvasNode(name: string): Locator {
		return this.page.locator(`${byTestId('canvas-node')}[data-node-name="${name}"]`);
	}

	nodesPanel(): NodesPanel {
		return new NodesPanel(this.page);
	}

	/** Numbered so the folder lists them in the order they were taken; of one part of the page when given (smaller files). */
	async screenshot(name: string, area?: Locator): Promise<string> {
		this.shots += 1;
		const file = join(this.screenshotDir, `${String(this.shots).padStart(2, '0')}-${name}.png`);
		await (area ?? this.page).screenshot({ path: file });
		return file;
	}

	/** "Execute workflow", then waits until the given node shows its success mark on the canvas. */
	async executeWorkflow(lastNode: string, timeoutMs: number): Promise<void> {
		const button = this.page.locator(byTestId('execute-workflow-button'));
		await button.click();
		await this.canvasNode(lastNode).locator(byTestId('canvas-node-status-success')).waitFor({ timeout: timeoutMs });
		// The button shows a spinner while running: a screenshot taken before it settles shows a blank button.
		await button.filter({ hasText: 'Execute workflow' }).waitFor({ timeout: 5 * SECOND }).catch(() => undefined);
	}

	/** Double-click on the canvas opens the node's details view (NDV). */
	async openNode(name: string): Promise<NodeDetails> {
		await this.canvasNode(name).dblclick();
		const ndv = this.page.locator(byTestId('ndv'));
		await ndv.waitFor();
		return new NodeDetails(this.page, ndv);
	}

	/**
	 * A GET on the editor's REST API with the login cookie and the `browser-id` header the editor
	 * sends (n8n refuses its session cookie without it).
	 */
	async restGet(path: string): Promise<{ ok: boolean; status: number; body: Buffer }> {
		const browserId = await this.page.evaluate(() => {
			const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
			return storage.getItem('n8n-browserId') ?? '';
		});
		const response = await this.page.request.get(path, { headers: { 'browser-id': browserId } });
		return { ok: response.ok(), status: response.status(), body: await response.body() };
	}

	/** Whatever error or warning toasts are on screen, to explain a failed step. */
	async toasts(): Promise<string> {
		const texts = await this.page.locator('.el-notification').allInnerTexts();
		return texts.map((text) => text.replace(/\s+/g, ' ').trim()).join(' | ');
	}
}

export interface ListedItem {
	name: string;
	description: string;
}

export interface SearchOutcome {
	/** The nodes the panel listed, in order. */
	shown: ListedItem[];
	noResults: boolean;
}

/** The nodes panel (n8n's "node creator"): opened by the canvas' plus button. */
export class NodesPanel {
	private readonly root: Locator;

	constructor(private readonly page: Page) {
		this.root = page.locator(byTestId('node-creator'));
	}

	async open(): Promise<void> {
		// Left open by a step that failed.
		if (await this.root.isVisible()) await this.close();
		await this.page.locator(byTestId('node-creator-plus-button')).click();
		await this.root.waitFor();
		await this.searchBar().waitFor();
	}

	/** The panel's heading, e.g. "What happens next?" or "What triggers this workflow?". */
	async heading(): Promise<string> {
		const heading = this.root.getByText(/^(What happens next\?|What triggers this workflow\?)$/).first();
		await heading.waitFor();
		return (await heading.innerText()).trim();
	}

	/** Opens one of the root view's entries ("AI", "Action in an app", …). */
	async openCategory(name: string): Promise<void> {
		await this.item(name).first().click();
		await this.root.locator(byTestId('nodes-list-header')).filter({ hasText: name }).first().waitFor();
	}

	/**
	 * Types the term and waits until the panel shows one of the wanted items or says "No results";
	 * when neither comes (other results only), it returns what it shows after the wait.
	 */
	async search(term: string, wanted: string[], timeoutMs = 10 * SECOND): Promise<SearchOutcome> {
		await this.searchBar().fill(term);
		const settled = wanted.reduce((locator, name) => locator.or(this.itemName(name)), this.noResultsNotice()).first();
		await settled.waitFor({ timeout: timeoutMs }).catch(() => undefined);
		// Runs in the page: no named helper functions in here (tsx would wrap them in a __name the page lacks).
		const shown = await this.root.locator(byTestId('item-iterator-item')).evaluateAll((items) =>
			items.map((item) => ({
				name: (item.querySelector('[data-test-id="node-creator-item-name"]')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
				description: (item.querySelector('[data-test-id="node-creator-item-description"]')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
			})),
		);
		return { shown: shown.filter((item) => item.name), noResults: await this.noResultsNotice().isVisible() };
	}

	/** Escape closes the panel; when it does not (seen after "No results"), a click on the empty canvas does. */
	async close(): Promise<void> {
		await this.page.keyboard.press('Escape');
		if (await this.hidden(3 * SECOND)) return;
		await this.page.locator('.vue-flow__pane').click({ position: { x: 10, y: 10 } });
		if (!(await this.hidden(5 * SECOND))) throw new Error('The nodes panel stays open after Escape and a click on the canvas');
	}

	private async hidden(timeoutMs: number): Promise<boolean> {
		return await this.root.waitFor({ state: 'hidden', timeout: timeoutMs }).then(
			() => true,
			() => false,
		);
	}

	private searchBar(): Locator {
		return this.root.locator(`${byTestId('node-creator-search-bar')}`).last();
	}

	private noResultsNotice(): Locator {
		return this.root.locator(byTestId('node-creator-no-results'));
	}

	private itemName(name: string): Locator {
		return this.root.locator(byTestId('node-creator-item-name')).filter({ hasText: exactText(name) });
	}

	private item(name: string): Locator {
		// `has` is matched inside each item: the inner locator must not start at the panel's root.
		const itemName = this.page.locator(byTestId('node-creator-item-name')).filter({ hasText: exactText(name) });
		return this.root.locator(byTestId('item-iterator-item')).filter({ has: itemName });
	}
}

export interface BinaryEntry {
	/** The entry's text: key, file name, type, size. */
	text: string;
}

export interface PlayedVideo {
	src: string;
	mimeType: string;
	readyState: number;
	durationSeconds: number;
	width: number;
	height: number;
	error?: number;
}

/** The parts of the browser's HTMLVideoElement read here (the repo's type check has no DOM library). */
interface VideoPlayer {
	readyState: number;
	error: { code: number } | null;
	duration: number;
	videoWidth: number;
	videoHeight: number;
	currentSrc: string;
	querySelector(selector: 'source'): { src: string; type: string } | null;
}

/** The node details view: its output panel and the Binary view's video player. */
export class NodeDetails {
	constructor(
		private readonly page: Page,
		private readonly root: Locator,
	) {}

	private output(): Locator {
		return this.root.locator(byTestId('output-panel'));
	}

	async showBinary(): Promise<BinaryEntry> {
		const output = this.output();
		await output.locator(`${byTestId('ndv-run-data-display-mode')} ${byTestId('radio-button-binary')}`).click();
		const entry = output.locator(byTestId('ndv-binary-data_0'));
		await entry.waitFor();
		return { text: (await entry.innerText()).replace(/\s+/g, ' ').trim() };
	}

	/** "View" on the first binary entry, then waits until the player has loaded the video's metadata (or failed). */
	async playFirstBinary(timeoutMs = 30 * SECOND): Promise<PlayedVideo> {
		const output = this.output();
		await output.locator(`${byTestId('ndv-binary-data_0')} ${byTestId('ndv-view-binary-data')}`).click();
		const video = this.page.locator('.binary-data-window video');
		await video.waitFor();
		const handle = await video.elementHandle();
		await this.page.waitForFunction(
			(element) => {
				const player = element as unknown as VideoPlayer | null;
				return !player || player.readyState >= 1 || player.error !== null;
			},
			handle,
			{ timeout: timeoutMs },
		);
		return await video.evaluate((element) => {
			const player = element as unknown as VideoPlayer;
			const source = player.querySelector('source');
			return {
				src: source?.src ?? player.currentSrc,
				mimeType: source?.type ?? '',
				readyState: player.readyState,
				durationSeconds: player.duration,
				width: player.videoWidth,
				height: player.videoHeight,
				error: player.error?.code,
			};
		});
	}
}
