/**
 * The codex decides where n8n's editor lists a node. These checks encode how n8n 2.41.1's node
 * creator reads it (editor-ui `useViewStacks` / `nodeCreator.utils`):
 * - search matches only `displayName` and `codex.alias` (sublimeSearch's default keys);
 * - outside the AI panel, a node whose `categories` include "AI" is dropped from search unless
 *   `subcategories.AI` includes "Root Nodes" (`filterOutAiNodes`);
 * - the AI panel lists AI nodes under "Other AI nodes" by their `subcategories.AI` entry.
 * Every node the package declares is checked. The real editor is driven by `npm run e2e`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[] };
};

interface Codex {
	node: string;
	categories: string[];
	subcategories?: Record<string, string[]>;
	alias?: string[];
	resources: { primaryDocumentation: Array<{ url: string }>; credentialDocumentation?: Array<{ url: string }> };
}

/** `dist/nodes/X/X.node.js` → the node's description (from source) and its codex next to it. */
function loadNode(distPath: string): { description: INodeTypeDescription; codex: Codex } {
	const source = join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, ''));
	const exported = require(source) as Record<string, new () => INodeType>;
	const NodeClass = Object.values(exported)[0];
	return {
		description: new NodeClass().description,
		codex: JSON.parse(readFileSync(`${source}.json`, 'utf8')) as Codex,
	};
}

const nodes = manifest.n8n.nodes.map((path) => ({ path, ...loadNode(path) }));

describe.each(nodes)('codex of $path', ({ description, codex }) => {
	/** What the nodes panel's search compares a typed term with. */
	const searchable = [description.displayName, ...(codex.alias ?? [])].map((text) => text.toLowerCase());

	it('names the node it describes', () => {
		expect(codex.node).toBe(`${manifest.name}.${description.name}`);
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

	it('has the resources block n8n-core needs to load the codex at all', () => {
		expect(codex.resources.primaryDocumentation.length).toBeGreaterThan(0);
	});
});
