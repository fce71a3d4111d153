import {
  type EncryptionContext,
  getLocalCryptographicMaterialsCache,
  type KeyringNode,
  type NodeAlgorithmSuite,
  NodeCachingMaterialsManager,
  type NodeDecryptionMaterial,
  NodeDefaultCryptographicMaterialsManager,
  NodeEncryptionMaterial,
  type NodeMaterialsManager,
} from '@aws-crypto/client-node';
import { PipelineError } from '../core/errors.js';
import { type DataKeyCacheBounds, KMS_CONTEXT_KEY_NAME } from './data-key-cache.js';

export { KMS_CONTEXT_KEY_NAME };

export type DataKeyCache = ReturnType<typeof getLocalCryptographicMaterialsCache<NodeAlgorithmSuite>>;

/** One cache per key provider, shared by its key names (each its own partition). */
export const createDataKeyCache = (capacity: number): DataKeyCache =>
  getLocalCryptographicMaterialsCache<NodeAlgorithmSuite>(capacity);

export interface SharedDataKeyCmmInput {
  readonly keyName: string;
  /** The key's keyring: each of its onEncrypt/onDecrypt is one data key generated or unwrapped. */
  readonly keyring: KeyringNode;
  readonly cache: DataKeyCache;
  readonly bounds: DataKeyCacheBounds;
  /** Entries of the message's context also bound into the key call (low-cardinality ones such as `purpose`). */
  readonly kmsContextKeys: readonly string[];
  /** Runs every materials request (AWS: turns a throttled KMS into a retryable failure). */
  readonly guard?: <T>(run: () => Promise<T>) => Promise<T>;
  /**
   * Also open messages whose data key was wrapped under their whole context (what a keyring without
   * this manager writes): the embedded default's objects stored before it shared data keys.
   */
  readonly openWholeContextKeys?: boolean;
}

/** Unsigned suites only: a signing suite's context carries a per-message public key. */
const sharesDataKeys = (suite: NodeAlgorithmSuite | undefined): suite is NodeAlgorithmSuite =>
  suite !== undefined && suite.signatureCurve === undefined && suite.cacheSafe;

/** The same encryption materials (data key and its wrapped copy), carrying the message's own context. */
function withMessageContext(
  shared: NodeEncryptionMaterial,
  context: EncryptionContext,
): NodeEncryptionMaterial {
  const material = new NodeEncryptionMaterial(shared.suite, context);
  const [setTrace, ...edkTraces] = shared.keyringTrace;
  if (setTrace === undefined)
    throw new PipelineError('crypto-failed', 'encryption materials without a data key trace');
  const dataKey = shared.getUnencryptedDataKey();
  material.setUnencryptedDataKey(dataKey instanceof Uint8Array ? new Uint8Array(dataKey) : dataKey, setTrace);
  shared.encryptedDataKeys.forEach((edk, i) => {
    const trace = edkTraces[i];
    if (trace === undefined) throw new PipelineError('crypto-failed', 'encrypted data key without a trace');
    material.addEncryptedDataKey(edk, trace.flags);
  });
  shared.zeroUnencryptedDataKey();
  return material;
}

const unguarded = <T>(run: () => Promise<T>): Promise<T> => run();

/**
 * Data-key caching that works with per-object encryption contexts, for every adapter (a KMS keyring
 * on AWS, a raw AES keyring over the local master key on the embedded default). The SDK's caching CMM
 * keys its cache by the whole context, and ours names the submission, so it would never hit. Here the
 * keyring and the cache see only a small context (the key name plus `kmsContextKeys` entries) while
 * the message header still carries the full one: the header is authenticated with the data key, and
 * `createEnvelope` compares it on decrypt. One data key thus serves up to `maxMessagesEncrypted`
 * messages within `maxAgeMs`; each message still derives its own AES-256-GCM key (HKDF over the
 * message id), and key commitment is kept. On decrypt, an unwrapped data key is remembered by its
 * wrapped bytes and small context for `maxAgeMs`. A message of unknown length (a stream) gets its own
 * data key: the SDK cannot count its bytes against `maxBytesEncrypted` before it ends.
 */
export class SharedDataKeyCmm implements NodeMaterialsManager {
  private readonly caching: NodeCachingMaterialsManager;
  private readonly plain: NodeDefaultCryptographicMaterialsManager;
  private readonly guard: <T>(run: () => Promise<T>) => Promise<T>;
  /** Cache fills under way: concurrent misses for the same entry wait for one key call. */
  private readonly filling = new Map<string, Promise<unknown>>();

  constructor(private readonly input: SharedDataKeyCmmInput) {
    this.caching = new NodeCachingMaterialsManager({
      backingMaterials: input.keyring,
      cache: input.cache,
      partition: `phi:${input.keyName}`,
      maxAge: input.bounds.maxAgeMs,
      maxMessagesEncrypted: input.bounds.maxMessagesEncrypted,
      maxBytesEncrypted: input.bounds.maxBytesEncrypted,
    });
    this.plain = new NodeDefaultCryptographicMaterialsManager(input.keyring);
    this.guard = input.guard ?? unguarded;
  }

  private kmsContext(context: EncryptionContext): EncryptionContext {
    const picked: EncryptionContext = { [KMS_CONTEXT_KEY_NAME]: this.input.keyName };
    for (const key of this.input.kmsContextKeys) {
      const value = context[key];
      if (value !== undefined) picked[key] = value;
    }
    return picked;
  }

  /** The first caller for `key` runs `fill`; callers arriving meanwhile wait, then run it (a cache hit). */
  private async singleFlight<T>(key: string, fill: () => Promise<T>): Promise<T> {
    const pending = this.filling.get(key);
    if (pending !== undefined) {
      await pending.catch(() => undefined);
      return fill();
    }
    const mine = fill();
    this.filling.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.filling.get(key) === mine) this.filling.delete(key);
    }
  }

  getEncryptionMaterials: NodeMaterialsManager['getEncryptionMaterials'] = (request) =>
    this.guard(async (): Promise<NodeEncryptionMaterial> => {
      const { suite } = request;
      if (!sharesDataKeys(suite)) return this.plain.getEncryptionMaterials(request);
      const encryptionContext = this.kmsContext(request.encryptionContext);
      const shared = await this.singleFlight(`e|${suite.id}|${canonical(encryptionContext)}`, () =>
        this.caching.getEncryptionMaterials({ ...request, encryptionContext }),
      );
      return withMessageContext(shared, request.encryptionContext);
    });

  decryptMaterials: NodeMaterialsManager['decryptMaterials'] = (request) =>
    this.guard(async (): Promise<NodeDecryptionMaterial> => {
      const { suite } = request;
      if (!sharesDataKeys(suite)) return this.plain.decryptMaterials(request);
      // The SDK checks the header with the data key, not with the materials' context.
      const encryptionContext = this.kmsContext(request.encryptionContext);
      const edks = request.encryptedDataKeys
        .map((edk) => `${edk.providerInfo}:${Buffer.from(edk.encryptedDataKey).toString('base64')}`)
        .join(',');
      const shared = this.singleFlight(`d|${suite.id}|${canonical(encryptionContext)}|${edks}`, () =>
        this.caching.decryptMaterials({ ...request, encryptionContext }),
      );
      if (this.input.openWholeContextKeys !== true) return shared;
      // Not cached: such messages predate shared keys and are read once each.
      return shared.catch(() => this.plain.decryptMaterials(request));
    });
}

const canonical = (context: EncryptionContext): string =>
  JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
