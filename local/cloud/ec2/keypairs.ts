/** Key pairs (the build only checks that its key exists; create/import exist for local setups). */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { CloudError } from '../contract';
import { Actions, Args, invalidValue } from './args';
import { applyFilters, FilterFields } from './filters';
import { Ec2Store, KeyPairRec } from './store';
import { tagSet, tagsOnCreate } from './tagging';

function fingerprint(material: string): string {
  return createHash('sha256').update(material).digest('base64').replace(/=+$/, '');
}

export function seedKeyPair(s: Ec2Store, name: string): KeyPairRec {
  const key: KeyPairRec = { id: s.newId('key'), tags: new Map(), name, fingerprint: fingerprint(name), keyType: 'rsa', createdAt: s.now() };
  s.keyPairs.set(key.id, key);
  return key;
}

function keyWire(k: KeyPairRec) {
  return {
    keyPairId: k.id,
    keyName: k.name,
    keyFingerprint: k.fingerprint,
    keyType: k.keyType,
    createTime: new Date(k.createdAt),
    tagSet: tagSet(k.tags),
  };
}

export function keyPairActions(s: Ec2Store): Actions {
  const fields: FilterFields<KeyPairRec> = { 'key-name': (k) => k.name, 'key-pair-id': (k) => k.id, fingerprint: (k) => k.fingerprint };
  const checkNew = (name: string) => {
    if (name.length > 255) throw invalidValue('Key pair names must be at most 255 characters.');
    if ([...s.keyPairs.values()].some((k) => k.name === name))
      throw new CloudError('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);
  };
  return {
    CreateKeyPair(a: Args) {
      const name = a.required('KeyName');
      checkNew(name);
      const keyType = a.str('KeyType') ?? 'rsa';
      const { privateKey } =
        keyType === 'ed25519'
          ? generateKeyPairSync('ed25519', {
              privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
              publicKeyEncoding: { type: 'spki', format: 'pem' },
            })
          : generateKeyPairSync('rsa', {
              modulusLength: 2048,
              privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
              publicKeyEncoding: { type: 'spki', format: 'pem' },
            });
      const key: KeyPairRec = {
        id: s.newId('key'),
        tags: tagsOnCreate(a, 'key-pair'),
        name,
        fingerprint: fingerprint(privateKey),
        keyType,
        createdAt: s.now(),
      };
      s.keyPairs.set(key.id, key);
      return { ...keyWire(key), keyMaterial: privateKey };
    },

    ImportKeyPair(a: Args) {
      const name = a.required('KeyName');
      checkNew(name);
      const material = Buffer.from(a.required('PublicKeyMaterial'), 'base64').toString('utf8');
      if (!/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-\S+) /.test(material)) throw invalidValue('Key is not in valid OpenSSH public key format');
      const key: KeyPairRec = {
        id: s.newId('key'),
        tags: tagsOnCreate(a, 'key-pair'),
        name,
        fingerprint: fingerprint(material),
        keyType: material.startsWith('ssh-ed25519') ? 'ed25519' : 'rsa',
        createdAt: s.now(),
        publicKey: material,
      };
      s.keyPairs.set(key.id, key);
      return keyWire(key);
    },

    DeleteKeyPair(a: Args) {
      const name = a.str('KeyName');
      const id = a.str('KeyPairId');
      for (const k of s.keyPairs.values()) if (k.name === name || k.id === id) s.keyPairs.delete(k.id);
      return { return: true };
    },

    DescribeKeyPairs(a: Args) {
      const all = [...s.keyPairs.values()];
      const names = a.strings('KeyName');
      const ids = a.strings('KeyPairId');
      const missingName = names.find((n) => !all.some((k) => k.name === n));
      if (missingName) throw new CloudError('InvalidKeyPair.NotFound', `The key pair '${missingName}' does not exist`);
      const missingId = ids.find((i) => !all.some((k) => k.id === i));
      if (missingId) throw new CloudError('InvalidKeyPair.NotFound', `The key pair ID '${missingId}' does not exist`);
      const selected = names.length || ids.length ? all.filter((k) => names.includes(k.name) || ids.includes(k.id)) : all;
      return { keySet: applyFilters(selected, a, fields).map(keyWire) };
    },
  };
}
