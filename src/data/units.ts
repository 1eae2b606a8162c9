import { RotguardError } from '../core/errors.js';

/**
 * Units rotguard converts between at ingest. Each unit belongs to one dimension and has
 * a factor to that dimension's base unit. Mass and molar concentrations convert through
 * the compound's molecular weight. A unit written "log10(U)" means the source reports
 * log10 of values in U.
 */
type Dimension =
  | 'mass_concentration'
  | 'molar_concentration'
  | 'clearance_per_kg'
  | 'clearance_per_mg_protein'
  | 'clearance_per_million_cells'
  | 'permeability'
  | 'fraction'
  | 'ratio'
  | 'time';

interface UnitDef {
  dimension: Dimension;
  /** Multiply a value in this unit by factor to get the dimension's base unit. */
  factor: number;
}

const UNITS: Record<string, UnitDef> = {
  // mass concentration, base g/L
  'g/L': { dimension: 'mass_concentration', factor: 1 },
  'mg/mL': { dimension: 'mass_concentration', factor: 1 },
  'mg/L': { dimension: 'mass_concentration', factor: 1e-3 },
  'ug/mL': { dimension: 'mass_concentration', factor: 1e-3 },
  'ug/L': { dimension: 'mass_concentration', factor: 1e-6 },
  'ng/mL': { dimension: 'mass_concentration', factor: 1e-6 },
  // molar concentration, base mol/L
  M: { dimension: 'molar_concentration', factor: 1 },
  mM: { dimension: 'molar_concentration', factor: 1e-3 },
  uM: { dimension: 'molar_concentration', factor: 1e-6 },
  nM: { dimension: 'molar_concentration', factor: 1e-9 },
  // in vivo / scaled clearance, base mL/min/kg
  'mL/min/kg': { dimension: 'clearance_per_kg', factor: 1 },
  'L/h/kg': { dimension: 'clearance_per_kg', factor: 1000 / 60 },
  // microsomal intrinsic clearance, base uL/min/mg protein
  'uL/min/mg': { dimension: 'clearance_per_mg_protein', factor: 1 },
  'mL/min/g': { dimension: 'clearance_per_mg_protein', factor: 1 },
  // hepatocyte intrinsic clearance, base uL/min/10^6 cells
  'uL/min/10^6 cells': { dimension: 'clearance_per_million_cells', factor: 1 },
  // permeability, base cm/s
  'cm/s': { dimension: 'permeability', factor: 1 },
  '10^-6 cm/s': { dimension: 'permeability', factor: 1e-6 },
  'nm/s': { dimension: 'permeability', factor: 1e-7 },
  // fractions, base fraction (0–1)
  fraction: { dimension: 'fraction', factor: 1 },
  '%': { dimension: 'fraction', factor: 0.01 },
  // dimensionless ratios (efflux ratio, …)
  ratio: { dimension: 'ratio', factor: 1 },
  // time, base hours
  h: { dimension: 'time', factor: 1 },
  min: { dimension: 'time', factor: 1 / 60 },
};

const ALIASES: Record<string, string> = {
  'µg/mL': 'ug/mL',
  'μg/mL': 'ug/mL',
  µM: 'uM',
  μM: 'uM',
  'µL/min/mg': 'uL/min/mg',
  'μL/min/mg': 'uL/min/mg',
  'mol/L': 'M',
  percent: '%',
  '1': 'ratio',
  unitless: 'ratio',
};

export interface ParsedUnit {
  /** Canonical unit name. */
  unit: string;
  /** The source reports log10 of the value. */
  log10: boolean;
  def: UnitDef;
}

export function knownUnits(): string[] {
  return Object.keys(UNITS);
}

export function parseUnit(text: string, field = 'unit'): ParsedUnit {
  const trimmed = text.trim();
  const log = /^log10?\((.+)\)$/i.exec(trimmed) ?? /^log10? (.+)$/i.exec(trimmed);
  const base = (log ? log[1]! : trimmed).trim();
  const unit = ALIASES[base] ?? base;
  const def = UNITS[unit];
  if (!def) {
    throw new RotguardError('unknown_unit', `unknown unit "${text}"; known units: ${knownUnits().join(', ')} (or log10(UNIT))`, { field });
  }
  return { unit, log10: Boolean(log), def };
}

/** Whether values in `from` can be converted to `to` (mass ↔ molar needs a molecular weight). */
export function convertible(from: ParsedUnit, to: ParsedUnit): boolean {
  if (from.def.dimension === to.def.dimension) return true;
  const pair = new Set([from.def.dimension, to.def.dimension]);
  return pair.has('mass_concentration') && pair.has('molar_concentration');
}

export function needsMolecularWeight(from: ParsedUnit, to: ParsedUnit): boolean {
  return from.def.dimension !== to.def.dimension;
}

/**
 * Convert a raw value reported in `from` to the linear value in `to`.
 * `molWeight` (g/mol) is required when converting between mass and molar concentration.
 */
export function convertValue(raw: number, from: ParsedUnit, to: ParsedUnit, molWeight?: number): number {
  const linear = from.log10 ? 10 ** raw : raw;
  let base = linear * from.def.factor;
  if (from.def.dimension !== to.def.dimension) {
    if (!convertible(from, to)) throw new RotguardError('unit_mismatch', `cannot convert ${from.unit} to ${to.unit}`);
    if (!molWeight || !(molWeight > 0)) throw new Error('convertValue: molecular weight required for mass/molar conversion');
    base = from.def.dimension === 'molar_concentration' ? base * molWeight : base / molWeight;
  }
  const value = base / to.def.factor;
  return to.log10 ? Math.log10(value) : value;
}
