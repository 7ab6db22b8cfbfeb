/** The node's face in the editor: the canvas subtitle, evaluated as n8n evaluates it. */
import { Workflow, type INode, type INodePropertyOptions } from 'n8n-workflow';

import { StableAvatar } from '../../../nodes/StableAvatar/StableAvatar.node';
import { nodeTypes } from '../../harness/nodeTypes';
import { AVATAR_NODE_TYPE } from '../../harness/workflows';

const description = new StableAvatar().description;
const operationOptions = description.properties.find((p) => p.name === 'operation')!.options as INodePropertyOptions[];

function subtitleFor(operation: string): unknown {
	const node: INode = {
		id: '1',
		name: 'Stable Avatar',
		type: AVATAR_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { operation },
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	return workflow.expression.getSimpleParameterValue(node, description.subtitle!, 'internal', {});
}

describe('Stable Avatar canvas subtitle', () => {
	test.each([
		['generate', 'Generate video'],
		['submit', 'Submit job'],
		['getStatus', 'Get status'],
		['getResult', 'Get result'],
		['cancel', 'Cancel job'],
	])('reads "%s" as "%s"', (operation, words) => {
		expect(subtitleFor(operation)).toBe(words);
	});

	test('has words for every operation in the list', () => {
		for (const option of operationOptions) {
			expect(typeof subtitleFor(String(option.value))).toBe('string');
		}
	});
});
