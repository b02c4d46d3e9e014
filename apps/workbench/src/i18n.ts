import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

/**
 * UI text in Simplified Chinese (the default) and English. Each area keeps its text in
 * `locales/<area>.ts` (`export default { zh: {...}, en: {...} }`), loaded here under the area's
 * name as namespace: `t('imaging:worklist.title')`; shared words are in `locales/common.ts`.
 */
export type Language = 'zh' | 'en';
export interface AreaText {
  zh: Record<string, unknown>;
  en: Record<string, unknown>;
}

const files = import.meta.glob<{ default: AreaText }>('./locales/*.ts', { eager: true });
const resources: Record<Language, Record<string, Record<string, unknown>>> = { zh: {}, en: {} };
for (const [path, module] of Object.entries(files)) {
  const area = /\/([\w-]+)\.ts$/.exec(path)?.[1];
  if (!area) continue;
  resources.zh[area] = module.default.zh;
  resources.en[area] = module.default.en;
}

const LANGUAGE_KEY = 'hub.language';

export function savedLanguage(): Language {
  return localStorage.getItem(LANGUAGE_KEY) === 'en' ? 'en' : 'zh';
}

export function setLanguage(language: Language): void {
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  void i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources,
  lng: savedLanguage(),
  fallbackLng: 'zh',
  defaultNS: 'common',
  // An area's screens find the shared words (time, errors) without naming the namespace.
  fallbackNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = savedLanguage() === 'zh' ? 'zh-CN' : 'en';

export default i18n;
