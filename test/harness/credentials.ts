/**
 * Credentials for test runs: hands the node a `falApi` credential and applies the credential type's
 * own `authenticate` block, the way n8n's CredentialsHelper does (expressions resolved by the engine).
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
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		if (typeName !== falApi.name || !workflow || !node) throw new Error(`Unknown credential type ${typeName}`);
		const options = requestOptions as IHttpRequestOptions;
		const headers = { ...(options.headers ?? {}) };
		for (const [name, template] of Object.entries(falApi.authenticate.properties.headers ?? {})) {
			headers[name] = workflow.expression.getSimpleParameterValue(node, template as string, 'internal', {
				$credentials: credentials,
			}) as string;
		}
		return { ...options, headers };
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
		return { ...this.credentials };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties() {
		return falApi.properties;
	}
}
