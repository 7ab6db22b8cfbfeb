/**
 * Credentials for test runs: hands the node a `falApi` credential and applies the credential type's
 * own declarative `authenticate`, the way n8n's CredentialsHelper does (each header template resolved
 * with the workflow's expression engine, `$credentials` bound to the credential's data).
 */
import {
	ICredentialsHelper,
	type ICredentialDataDecryptedObject,
	type IHttpRequestOptions,
	type INode,
	type IRequestOptionsSimplified,
	type Workflow,
} from 'n8n-workflow';

import { FalApi } from '../../credentials/FalApi.credentials';

export interface FalCredentials {
	apiKey: string;
	baseUrl: string;
}

const falApi = new FalApi();

/** How often the engine asked for the credentials and applied them, over all runs (tests reset it). */
export const credentialCalls = { decrypted: 0, authenticated: 0 };

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: FalCredentials) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		if (typeName !== falApi.name) throw new Error(`Unknown credential type ${typeName}`);
		credentialCalls.authenticated++;
		return applyDeclarativeAuthentication(credentials, requestOptions as IHttpRequestOptions, workflow, node);
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used in tests');
	}

	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		credentialCalls.decrypted++;
		return { ...this.credentials };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties() {
		return falApi.properties;
	}
}

/** n8n 2.41.1's CredentialsHelper.authenticate for a `generic` declarative `authenticate`. */
export function applyDeclarativeAuthentication(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
	workflow: Workflow,
	node: INode,
): IHttpRequestOptions {
	const { authenticate } = falApi;
	const resolve = (value: string) =>
		value.startsWith('=') ? String(workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }) ?? '') : value;
	const options = requestOptions as unknown as Record<string, Record<string, string> | undefined>;
	for (const [where, entries] of Object.entries(authenticate.properties)) {
		const target = (options[where] ??= {});
		for (const [key, value] of Object.entries(entries as Record<string, string>)) target[resolve(key)] = resolve(value);
	}
	return requestOptions;
}
