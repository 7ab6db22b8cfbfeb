/**
 * A fixture node for tests: emits the items it is given, with binary data stored through n8n's own
 * helpers (so filesystem binary mode applies), as a text-to-speech node upstream would.
 */
import { readFile } from 'node:fs/promises';

import {
	NodeConnectionTypes,
	type IBinaryKeyData,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

export interface FixtureBinary {
	/** A file to read, or the bytes themselves. */
	path?: string;
	bytes?: Buffer;
	mimeType: string;
	fileName: string;
}

export interface FixtureItem {
	json?: IDataObject;
	binary?: Record<string, FixtureBinary>;
}

/** Items travel as a JSON parameter; bytes as base64. */
export function encodeFixtureItems(items: FixtureItem[]): string {
	return JSON.stringify(
		items.map((item) => ({
			json: item.json ?? {},
			binary: Object.fromEntries(
				Object.entries(item.binary ?? {}).map(([name, b]) => [name, { ...b, bytes: b.bytes?.toString('base64') }]),
			),
		})),
	);
}

export class FixtureItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Fixture Items',
		name: 'fixtureItems',
		group: ['input'],
		version: 1,
		description: 'Emits fixed items (tests only)',
		defaults: { name: 'Fixture Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'string', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as Array<{
			json: IDataObject;
			binary: Record<string, { path?: string; bytes?: string; mimeType: string; fileName: string }>;
		}>;
		const output: INodeExecutionData[] = [];
		for (const [index, item] of items.entries()) {
			const binary: IBinaryKeyData = {};
			for (const [name, file] of Object.entries(item.binary)) {
				const bytes = file.path ? await readFile(file.path) : Buffer.from(file.bytes ?? '', 'base64');
				binary[name] = await this.helpers.prepareBinaryData(bytes, file.fileName, file.mimeType);
			}
			output.push({ json: { ...item.json, fixtureIndex: index }, binary, pairedItem: { item: 0 } });
		}
		return [output];
	}
}
