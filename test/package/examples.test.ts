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

// n8n saves a workflow's static data only for ids of at most 21 characters (`isWorkflowIdValid`); the
// trigger keeps the request ids it has seen there, and an import by CLI keeps the example's id.
test.each(examples)('%s: a workflow with the Stable Avatar Trigger has an id n8n saves static data for', (name) => {
	const workflow = JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as { id?: string; nodes: { type: string }[] };
	if (!workflow.nodes.some((node) => node.type.endsWith('.stableAvatarTrigger'))) return;
	expect(workflow.id === undefined || workflow.id.length <= 21).toBe(true);
});
