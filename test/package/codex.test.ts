/**
 * The codex decides where n8n's editor lists the node. These checks encode how n8n 2.41.1's node
 * creator reads it (editor-ui `useViewStacks` / `nodeCreator.utils`):
 * - search matches only `displayName` and `codex.alias` (sublimeSearch's default keys);
 * - outside the AI panel, a node whose `categories` include "AI" is dropped from search unless
 *   `subcategories.AI` includes "Root Nodes" (`filterOutAiNodes`);
 * - the AI panel lists AI nodes under "Other AI nodes" by their `subcategories.AI` entry.
 * The real editor is driven by the browser scenario of `npm run e2e`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { StableAvatar } from '../../nodes/StableAvatar/StableAvatar.node';

const root = join(__dirname, '..', '..');
const codex = JSON.parse(readFileSync(join(root, 'nodes/StableAvatar/StableAvatar.node.json'), 'utf8')) as {
	node: string;
	categories: string[];
	subcategories?: Record<string, string[]>;
	alias?: string[];
	resources: { primaryDocumentation: Array<{ url: string }>; credentialDocumentation: Array<{ url: string }> };
};
const description = new StableAvatar().description;

/** What the nodes panel's search compares a typed term with. */
const searchable = [description.displayName, ...(codex.alias ?? [])].map((text) => text.toLowerCase());

describe('Stable Avatar codex', () => {
	it('names the node it describes', () => {
		expect(codex.node).toBe(`n8n-nodes-stable-avatar.${description.name}`);
	});

	it.each(['avatar', 'stable avatar', 'fal', 'talking head', 'lip sync', 'video'])(
		'lets the nodes panel find it by "%s"',
		(term) => {
			expect(searchable.some((text) => text.includes(term))).toBe(true);
		},
	);

	it('is an AI root node, so the main panel keeps it in search and the AI panel lists it', () => {
		expect(codex.categories).toContain('AI');
		expect(codex.subcategories?.AI).toContain('Root Nodes');
		// "Tools" would make the editor treat it as a sub-node of an agent.
		expect(codex.subcategories?.AI).not.toContain('Tools');
		// The AI panel's "Other AI nodes" view has a subcategory of this name.
		expect(codex.subcategories?.AI).toContain('Miscellaneous');
	});
});
