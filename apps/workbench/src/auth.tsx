import { useQuery } from '@tanstack/react-query';
import { type ReactNode, createContext, useContext, useEffect, useState } from 'react';
import { type Session, api, currentSession, onSessionChange, setSession } from './api';

export type Role =
  | 'clinic-system'
  | 'clinic-doctor'
  | 'lab-tech'
  | 'lab-doctor'
  | 'radiologist'
  | 'cardiologist'
  | 'pathologist'
  | 'it-ops'
  | 'admin'
  | 'manager';

/** The signed-in person, as `GET /api/me` describes them. */
export interface Me {
  subject: string;
  kind: 'client' | 'user';
  name: string;
  org: string;
  orgName?: string;
  orgNameEn?: string;
  roles: Role[];
  licensed: boolean;
}

interface AuthState {
  session?: Session;
  me?: Me;
  loading: boolean;
  signOut: () => void;
}

const AuthContext = createContext<AuthState>({ loading: true, signOut: () => undefined });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setCurrent] = useState(currentSession());
  useEffect(() => onSessionChange(setCurrent), []);
  const me = useQuery({
    queryKey: ['me', session?.accessToken ? 'signed-in' : 'signed-out'],
    queryFn: () => api<Me>('/api/me'),
    enabled: Boolean(session),
    staleTime: Infinity,
  });
  const state: AuthState = {
    session,
    me: session ? me.data : undefined,
    loading: Boolean(session) && me.isLoading,
    signOut: () => setSession(undefined),
  };
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}

/** True when the person holds any of the roles. */
export function hasRole(me: Me | undefined, roles: readonly Role[]): boolean {
  return Boolean(me?.roles.some((role) => roles.includes(role)));
}
