/**
 * The workbench talks only to the gateway, with the signed-in person's token. Errors become an
 * ApiError with the hub's own words (an OperationOutcome's diagnostics, an OAuth error
 * description), so a screen can show what went wrong and what to do.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface Session {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

const SESSION_KEY = 'hub.session';
let listeners: Array<(session: Session | undefined) => void> = [];

/** The session of this browser tab (closing the tab signs out). */
export function currentSession(): Session | undefined {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return undefined;
  }
}

export function setSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: (session: Session | undefined) => void): () => void {
  listeners.push(listener);
  return () => {
    listeners = listeners.filter((l) => l !== listener);
  };
}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

function sessionOf(answer: TokenAnswer): Session {
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: Date.now() + answer.expires_in * 1000,
  };
}

/** Signs in with username and password; throws ApiError (401 wrong, 401 locked with its text). */
export async function signIn(username: string, password: string): Promise<Session> {
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json().catch(() => undefined)) as
    (TokenAnswer & { error?: string; error_description?: string }) | undefined;
  if (!response.ok || !body?.access_token)
    throw new ApiError(response.status, body?.error_description ?? response.statusText, body);
  const session = sessionOf(body);
  setSession(session);
  return session;
}

let refreshing: Promise<Session | undefined> | undefined;

/** Exchanges the refresh token once for new tokens; undefined (signed out) when it cannot. */
function refresh(session: Session): Promise<Session | undefined> {
  refreshing ??= (async () => {
    try {
      if (!session.refreshToken) return undefined;
      const response = await fetch('/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: session.refreshToken,
        }),
      });
      if (!response.ok) return undefined;
      const next = sessionOf((await response.json()) as TokenAnswer);
      setSession(next);
      return next;
    } catch {
      return undefined;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

/** The hub's words for a failed answer. */
export function messageOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const b = body as {
      resourceType?: string;
      issue?: Array<{ diagnostics?: string; details?: { text?: string } }>;
      error_description?: string;
      message?: string | string[];
    };
    if (b.resourceType === 'OperationOutcome' && b.issue?.length)
      return b.issue.map((i) => i.diagnostics ?? i.details?.text ?? '').join('; ') || fallback;
    if (b.error_description) return b.error_description;
    if (typeof b.message === 'string') return b.message;
  }
  return fallback;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Content type of the body (JSON unless said). */
  type?: string;
  /** Answer as a Blob (images, files) or text instead of JSON. */
  as?: 'json' | 'blob' | 'text';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A request to the gateway with the session's token; refreshes once on 401. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let session = currentSession();
  if (!session) throw new ApiError(401, 'not signed in');
  if (session.expiresAt - Date.now() < 15_000) session = (await refresh(session)) ?? session;
  const send = (token: string) => {
    const body = options.body;
    const raw = body instanceof Blob || body instanceof ArrayBuffer || typeof body === 'string';
    return fetch(path, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      signal: options.signal,
      headers: {
        authorization: `Bearer ${token}`,
        accept: options.as === 'blob' ? '*/*' : 'application/json, application/fhir+json',
        ...(body === undefined ? {} : { 'content-type': options.type ?? 'application/json' }),
        ...options.headers,
      },
      body: body === undefined ? undefined : raw ? (body as BodyInit) : JSON.stringify(body),
    });
  };
  let response: Response;
  try {
    response = await send(session.accessToken);
    if (response.status === 401) {
      const next = await refresh(session);
      if (!next) {
        setSession(undefined);
        throw new ApiError(401, 'signed out');
      }
      response = await send(next.accessToken);
    }
  } catch (error) {
    if (error instanceof ApiError || (error instanceof DOMException && error.name === 'AbortError'))
      throw error;
    throw new ApiError(0, 'network');
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    throw new ApiError(response.status, messageOf(body, `HTTP ${response.status}`), body);
  }
  if (options.as === 'blob') return (await response.blob()) as T;
  if (options.as === 'text') return (await response.text()) as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
