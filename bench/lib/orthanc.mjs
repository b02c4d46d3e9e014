// Orthanc (Debian packages `orthanc` and `orthanc-dicomweb`), the reference archive the DICOMweb
// benchmark measures the hub against: found, started on free loopback ports with a configuration
// and storage of its own under the run's temporary directory, and stopped.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { freePort, keepOutput, stopProcess } from './processes.mjs';

export const ORTHANC_INSTALL = 'apt-get update && apt-get install -y orthanc orthanc-dicomweb';

const START_TIMEOUT_MS = 60_000;
// Orthanc flushes its SQLite index on SIGTERM; 100,000 instances take a few seconds.
const STOP_GRACE_MS = 60_000;
const PLUGIN_PATHS = [
  '/usr/share/orthanc/plugins/libOrthancDicomWeb.so',
  '/usr/lib/orthanc/libOrthancDicomWeb.so',
];

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The DICOMweb plugin as the orthanc-dicomweb package installed it, if it did. */
function packagedPlugin() {
  try {
    return execFileSync('dpkg', ['-L', 'orthanc-dicomweb'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .find((path) => /libOrthancDicomWeb\.so[.\d]*$/.test(path) && existsSync(path));
  } catch {
    return undefined; // no dpkg, or the package is not installed
  }
}

/**
 * Orthanc's binary and DICOMweb plugin (ORTHANC_BIN and ORTHANC_DICOMWEB_PLUGIN override where they
 * are looked for), or `missing`: what is not there and how to install it.
 */
export function findOrthanc(env = process.env) {
  const binary =
    env.ORTHANC_BIN ||
    ['/usr/sbin/Orthanc', ...(env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'Orthanc'))]
      .filter(Boolean)
      .find(executable);
  if (!binary || !executable(binary))
    return {
      missing: `Orthanc is not installed (${binary ? `${binary} is not executable` : 'no /usr/sbin/Orthanc, none on PATH'}); install it with \`${ORTHANC_INSTALL}\``,
    };
  const plugin =
    env.ORTHANC_DICOMWEB_PLUGIN || packagedPlugin() || PLUGIN_PATHS.find((p) => existsSync(p));
  if (!plugin || !existsSync(plugin))
    return {
      missing: `Orthanc's DICOMweb plugin is not installed (${plugin ? `no ${plugin}` : 'no libOrthancDicomWeb.so'}); install it with \`${ORTHANC_INSTALL}\``,
    };
  return { binary, plugin };
}

/**
 * Starts Orthanc with `dir` as its home (configuration, SQLite index and files in `dir/storage`),
 * HTTP and DICOM on free ports, remote access and authentication off, and the DICOMweb plugin at
 * /dicom-web/. Returns at once, so the caller can arrange to stop it before waiting for `ready()`.
 */
export async function launchOrthanc({ binary, plugin, dir }) {
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const storage = join(dir, 'storage');
  const config = {
    Name: 'hub-bench',
    StorageDirectory: storage,
    IndexDirectory: storage,
    HttpPort: httpPort,
    DicomPort: dicomPort,
    // The benchmark speaks DICOMweb only; the C-STORE listener would only take a port.
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    // The default, Latin1, drops the ideographic (Chinese) name group from QIDO answers.
    DefaultEncoding: 'Utf8',
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', Host: `127.0.0.1:${httpPort}`, Ssl: false },
  };
  const configPath = join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const child = spawn(binary, [configPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepOutput(child);
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const describe = () =>
    `--- Orthanc (exit ${child.exitCode ?? child.signalCode ?? 'running'})\n${output.slice(-15).join('\n')}`;
  const url = `http://127.0.0.1:${httpPort}`;
  return {
    url,
    dicomwebUrl: `${url}/dicom-web`,
    exited,
    describe,
    stop: () => stopProcess(child, STOP_GRACE_MS),
    /** Resolves with GET /system (its version) once Orthanc answers it. */
    async ready(signal) {
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        if (signal?.aborted) return undefined;
        const failed = await Promise.race([spawnError, Promise.resolve(undefined)]);
        if (failed) throw new Error(`Orthanc could not be started (${binary}): ${failed.message}`);
        if (exited()) throw new Error(`Orthanc exited during start-up\n${describe()}`);
        const system = await fetch(`${url}/system`)
          .then((response) => (response.ok ? response.json() : undefined))
          .catch(() => undefined);
        if (system) return system;
        if (Date.now() > deadline)
          throw new Error(
            `Orthanc did not answer within ${START_TIMEOUT_MS / 1000} s\n${describe()}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    /** GET /statistics: instances stored and their size on disk. */
    async statistics() {
      const response = await fetch(`${url}/statistics`);
      if (!response.ok) throw new Error(`Orthanc GET /statistics answered ${response.status}`);
      return response.json();
    },
  };
}
