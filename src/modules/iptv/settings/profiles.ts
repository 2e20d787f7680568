import { KINDS, type Kind } from "../catalogue/rows.ts";
import { BUILTIN_PROFILES, type Profile, ProfileSchema, type SectionFilterConfig } from "../config.ts";

type CategoryMatcher = (id: string, name: string) => boolean;

export interface CompiledSection {
  enabled: boolean;
  include: CategoryMatcher[];
  exclude: CategoryMatcher[];
  excludeStreams: RegExp[];
  rename: Array<{ match: CategoryMatcher; name: string }>;
  order: CategoryMatcher[];
}

export interface CompiledProfile {
  name: string;
  hideAdult: boolean;
  sections: Record<Kind, CompiledSection>;
}

/** Category names that mean adult content on panels that do not flag it. */
export const ADULT_NAME = /\b(adult|adults|xxx|porn|erotic)\b|\b18\s*\+/i;

function regexOf(text: string, defaultFlags: string): RegExp | undefined {
  const literal = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (literal) return new RegExp(literal[1]!, literal[2]);
  return defaultFlags ? new RegExp(text, defaultFlags) : undefined;
}

/** An id, an exact name (any case), or `/regex/flags` on the name. */
export function categoryMatcher(pattern: string): CategoryMatcher {
  const regex = regexOf(pattern, "");
  if (regex) return (_id, name) => regex.test(name);
  const lower = pattern.toLowerCase();
  return (id, name) => id === pattern || name.toLowerCase() === lower;
}

function compileSection(section: SectionFilterConfig): CompiledSection {
  return {
    enabled: section.enabled,
    include: section.include_categories.map(categoryMatcher),
    exclude: section.exclude_categories.map(categoryMatcher),
    excludeStreams: section.exclude_streams.map((text) => regexOf(text, "i")!),
    rename: Object.entries(section.rename_categories).map(([from, name]) => ({
      match: categoryMatcher(from),
      name,
    })),
    order: section.category_order.map(categoryMatcher),
  };
}

export function compileProfile(name: string, profile: Profile): CompiledProfile {
  const sections = {} as Record<Kind, CompiledSection>;
  for (const kind of KINDS) sections[kind] = compileSection(profile[kind]);
  return { name, hideAdult: profile.hide_adult, sections };
}

/** Every profile by name: the built-in ones, replaced by any of the same name in the config. */
export function compileProfiles(configured: Record<string, Profile>): Map<string, CompiledProfile> {
  const out = new Map<string, CompiledProfile>();
  for (const [name, raw] of Object.entries(BUILTIN_PROFILES))
    out.set(name, compileProfile(name, ProfileSchema.parse(raw)));
  for (const [name, profile] of Object.entries(configured)) out.set(name, compileProfile(name, profile));
  return out;
}
