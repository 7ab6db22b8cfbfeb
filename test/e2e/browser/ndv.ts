/**
 * Reading a node's details view (NDV) as a user sees it: its text, a parameter's visible hint, the
 * entries a dropdown lists. Located by the `data-test-id` attributes of n8n's own browser tests.
 */
import type { Locator, Page } from 'playwright-core';

import { byTestId, type Editor } from './editor';

const SECOND = 1000;
/** The entries of an open dropdown: element-plus options, n8n's menus, a collection's options. */
export const LISTED_ENTRIES = '[role="option"]:visible, [role="menuitem"]:visible, [data-test-id="collection-parameter-option"]:visible';

export class OpenNode {
	readonly root: Locator;

	constructor(private readonly page: Page) {
		this.root = page.locator(byTestId('ndv'));
	}

	/** Everything the view shows, whitespace folded. */
	async text(): Promise<string> {
		return fold(await this.root.innerText());
	}

	/** Waits until the view shows this text; false when it does not within the wait. */
	async shows(text: string, timeoutMs = 5 * SECOND): Promise<boolean> {
		return await this.root
			.getByText(text, { exact: false })
			.first()
			.waitFor({ timeout: timeoutMs })
			.then(
				() => true,
				() => false,
			);
	}

	/** The parameter's input (a select's or a text field's wrapper). */
	parameter(name: string): Locator {
		return this.root.locator(byTestId(`parameter-input-${name}`)).first();
	}

	/** The box a user clicks to open a select parameter's list. */
	select(name: string): Locator {
		return this.parameter(name).locator('input').first();
	}

	/** Scrolls the parameters down, as a user does: n8n renders the lower parameters only once they come near the view. */
	async scrollParameters(): Promise<void> {
		const box = await this.root.locator(byTestId('node-parameters')).first().boundingBox();
		if (box) await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		for (let turn = 0; turn < 4; turn++) {
			await this.page.mouse.wheel(0, 1500);
			await this.page.waitForTimeout(300);
		}
	}

	/** The hint text shown in the parameters (not a tooltip) that contains this text; empty when none shows. */
	async hintWith(text: string): Promise<string> {
		// Found by its words in the parameters pane: its element differs between field kinds.
		// Visible only: the field's tooltip (hidden until hovered) may carry the same words.
		const hint = this.root.locator(byTestId('node-parameters')).getByText(text).filter({ visible: true }).first();
		await hint.waitFor({ timeout: 5 * SECOND }).catch(() => undefined);
		if (!(await hint.isVisible())) return '';
		await hint.scrollIntoViewIfNeeded();
		return fold(await hint.innerText());
	}

	/**
	 * Clicks the control (typing `filter` into it, if given) and returns the entries its dropdown lists,
	 * in order; `whileOpen` runs before Escape closes the list again (a screenshot of it).
	 */
	async listedBy(control: Locator, options: { filter?: string; whileOpen?: () => Promise<unknown> } = {}): Promise<string[]> {
		await control.click();
		if (options.filter) await this.page.keyboard.type(options.filter);
		const entries = this.page.locator(LISTED_ENTRIES);
		// Under load the list renders before its labels: wait for a labelled entry.
		await entries.filter({ hasText: /\S/ }).first().waitFor({ timeout: 10 * SECOND });
		const texts = (await entries.allInnerTexts()).map(fold).filter(Boolean);
		await options.whileOpen?.();
		await this.page.keyboard.press('Escape');
		return texts;
	}

	async close(): Promise<void> {
		// n8n 2.x shows the view as a dialog closed by its ×; older layouts have "Back to canvas".
		const close = this.page.locator(`${byTestId('ndv-close-modal')}, ${byTestId('ndv-close-button')}`).first();
		// A field's popover (after an edit) can cover the ×: then Escape, twice (popover, view).
		const clicked = (await close.isVisible()) && (await close.click({ timeout: 5 * SECOND }).then(() => true, () => false));
		if (!clicked) {
			await this.page.keyboard.press('Escape');
			await this.page.keyboard.press('Escape');
		}
		await this.root.waitFor({ state: 'hidden', timeout: 10 * SECOND }).catch(() => undefined);
	}
}

/** Opens the workflow (if another is shown) and the node's details view. */
export async function openNodeOf(editor: Editor, workflowId: string, nodeName: string): Promise<OpenNode> {
	const ndv = new OpenNode(editor.page);
	if (await ndv.root.isVisible()) await ndv.close();
	if (!new URL(editor.page.url()).pathname.endsWith(`/workflow/${workflowId}`)) await editor.openWorkflow(workflowId, nodeName);
	// openNode waits for the view to open.
	await editor.openNode(nodeName);
	return ndv;
}

export function fold(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}
