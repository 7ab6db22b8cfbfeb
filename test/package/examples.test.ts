/**
 * Every shipped example imports into a path of its own: n8n keeps a node's `webhookId` on import, so
 * one written into an example would make everyone who imports it listen at the same public URL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const EXAMPLES_DIR = join(__dirname, '..', '..', 'examples');
const examples = readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.json'));

test('there are examples to check', () => {
	expect(examples.length).toBeGreaterThan(0);
});

test.each(examples)('%s ships no webhookId', (name) => {
	const workflow = JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as { nodes: { name: string; webhookId?: unknown }[] };
	expect(workflow.nodes.filter((node) => node.webhookId !== undefined).map((node) => node.name)).toEqual([]);
});
