"""Assumptions behind the synthetic region, each with its source.

Source keys ``[S1]`` ... refer to ``calibration.md`` (the project's calibration
facts, reproduced in the handbook's *Calibration* page). ``V`` marks a figure
read in the source, ``R`` one recalled from a named source, ``E`` an estimate
whose derivation is given beside it.

Change a constant here and the whole region changes with it; the calibration
test (``tests/test_calibration.py``) shows whether the region still matches
the published figures.
"""

from __future__ import annotations

DEFAULT_SEED = 2022
DEFAULT_START_YEAR = 2022
DEFAULT_YEARS = 3
#: Full size: Hallands län had 343,746 residents on 31 Dec 2023 and 345,074 a year later [S1][S3].
FULL_SIZE_RESIDENTS = 345_000
#: Teaching size: a one-in-seven sample of the region; every notebook runs in seconds at this size.
DEFAULT_TEACHING_RESIDENTS = 50_000

REGION_NAME = "Region Havsland"

# --- Population ------------------------------------------------------------------------------
#: Municipalities: fictional names; population and 65+ share of the six Halland municipalities
#: (population 31 Dec 2023 [S1]; share aged 65+ in 2020 [S6]). Columns:
#: code, name, population, share 65+, acute hospital site.
DEFAULT_MUNICIPALITIES = (
    ("HAV", "Havsfors", 105_796, 0.206, "Havsfors"),  # Halmstad
    ("NOR", "Norrmarka", 85_653, 0.199, "Vallsberg"),  # Kungsbacka (närsjukhus)
    ("VAL", "Vallsberg", 68_325, 0.238, "Vallsberg"),  # Varberg
    ("FAL", "Falkhamra", 47_108, 0.242, "Vallsberg"),  # Falkenberg (planned care)
    ("LAX", "Laxvik", 26_565, 0.255, "Havsfors"),  # Laholm
    ("SKO", "Skogsnäs", 10_299, 0.226, "Havsfors"),  # Hylte
)
#: Age bands of Halland's 2022 population (women, men) [S3]; 45+ bands are E residuals from the
#: 2022 total (~342,800) and a 65+ share of ~22.3 %, women ~55 % of those 80+ [S3][S6].
DEFAULT_AGE_BANDS = (
    # (lowest age, highest age, women, men)
    (0, 4, 9_225, 9_656),
    (5, 9, 10_080, 10_752),
    (10, 14, 10_534, 11_079),
    (15, 19, 10_030, 10_666),
    (20, 24, 7_888, 9_442),
    (25, 29, 8_460, 9_283),
    (30, 34, 10_900, 11_241),
    (35, 39, 10_211, 10_585),
    (40, 44, 9_999, 10_127),
    (45, 64, 42_570, 43_430),
    (65, 79, 28_050, 26_950),
    (80, 104, 11_825, 9_675),
)
#: Within-band slope of the age distribution for 65-79 (fewer at 79 than 65) (E, from the shape of
#: SCB's age pyramid).
AGE_65_79_SLOPE = 0.35
#: Ages 80-104 follow a Gompertz survival shape, exp(-c (exp(GOMPERTZ_B (age - 80)) - 1)), with the
#: generator's own mortality slope, so that the oldest are not thinned faster than they are
#: replenished: c = 0.7 puts ~13 % of those 80+ at 90-94 and ~4 % at 95+ (E; SCB 2022, Sweden:
#: ~85,000 aged 90-94 and ~27,000 aged 95+ of ~620,000 aged 80+, R). (A constant yearly factor of
#: 0.86 put 8 % at 95+, whose deaths made the 85+ band younger and healthier every year.)
AGE_80_PLUS_GOMPERTZ_C = 0.7

#: Deaths: Gompertz hazard q(age) = exp(a + b*age) (E, fitted by eye to SCB life tables 2022:
#: q(60) ~ 0.006, q(80) ~ 0.045, q(90) ~ 0.15), raised by chronic conditions (hazard ratio per
#: condition, E) and re-scaled so the crude death rate is ~9.5 per 1,000 (Halland 2023: natural
#: increase -141 [S2], about 3,300 deaths).
GOMPERTZ_A, GOMPERTZ_B = -10.6, 0.096
DEATH_HR_PER_CONDITION = 1.25
DEFAULT_DEATH_RATE = 0.0095
#: Births per resident and year: deaths minus ~141/343,746 [S2]: about 9.1 per 1,000 (E).
DEFAULT_BIRTH_RATE = 0.0091
#: Moves: gross in- and out-migration per resident and year (E: Halland grew by ~3,000 a year over
#: 20 years, +946 in 2023 [S2]; gross flows of ~4 % are typical of Swedish counties, SCB, R).
DEFAULT_IN_MIGRATION = 0.040
DEFAULT_OUT_MIGRATION = 0.037
#: Moves between the region's municipalities per resident and year (E, SCB flyttningar, R).
DEFAULT_INTERNAL_MOVES = 0.015

# --- Chronic conditions ----------------------------------------------------------------------
#: Population prevalence targets, logistic age curves (age at half of the curve's ceiling, width)
#: and ICD-10 codes. The prevalence is spread over the calibrated age distribution; the region's
#: measured prevalence is a little higher because its municipalities are a little older. Sources:
#: heart failure 2.2 % [S35], Halland 1.9 % [S24] (set at 1.85 %); atrial fibrillation 2.89 %
#: [S36]; COPD: 7-10 % of those 40+, a third diagnosed, i.e. ~1.5 % of all [S38] (E); type 2
#: diabetes ~5 % (R); dementia ~8 % of 65+ (R); depression 5-8 % of adults treated per year and
#: more common in old age (antidepressants used by ~15-20 % of those 75+, Socialstyrelsen's drug
#: register, R), ~6 % of all (E); stroke survivors 1.94 % [S39]; rheumatoid arthritis 0.65 % of
#: adults [S40]; hip osteoarthritis diagnosed in ~5.8 % of 45+ (Turkiewicz et al.,
#: Osteoarthritis Cartilage 2014, R), ~2.7 % of all; hypertension ~27 % of adults, ~22 % of all
#: (Folkhälsomyndigheten, R), half or more of those 65+ (the commonest chronic condition in the
#: multimorbidity studies of calibration.md, "Further sources" section 1); ischaemic heart
#: disease ~3.5 % (R). Prevalence by age stays steady over the years: see population.py.
#:
#: The nine conditions after hip osteoarthritis are common chronic conditions that the
#: multimorbidity studies behind calibration.md's figures count too (Barnett et al., Lancet
#: 2012, 40 conditions; the SNAC-K list of 60 groups; calibration.md "Further sources" §1); with
#: the first eleven alone the region had 28 / 44 / 64 % with 2+ at 65-74 / 75-84 / 85+ against
#: ~45 / 60 / 70-75 %. Asthma ~6 % of all ages, nearly flat from childhood (Barnett 2012: 6.0 %,
#: R; 8-10 % of Swedish adults report a physician's diagnosis, OLIN and the West Sweden Asthma
#: Study, R). Hypothyroidism ~3.5 %, rising with age (Barnett 2012: thyroid disorders ~3.7 %,
#: R). Lipid disorders (E78) 8.5 %, from about 50 (E: about a million Swedes, ~10 %, take a
#: statin, Socialstyrelsen's drug register, R, not all with a recorded diagnosis). Knee
#: osteoarthritis diagnosed in 13.8 % of 45+ (Turkiewicz et al., Osteoarthritis Cartilage 2014,
#: the hip figure's source, R), ~6.4 % of all. Cancer diagnosed at any time (one code, C80.9,
#: for every site) 4.5 % (R: about 500,000 people alive in Sweden after a cancer diagnosis,
#: Socialstyrelsen's cancer register, ~4.8 %). Chronic kidney disease stage 3-5 recorded in 2 %
#: (Barnett 2012: 1.9 %, R; by eGFR 5.6 % of Stockholm's adults, a quarter of them diagnosed,
#: Gasparini et al., Nephrol Dial Transplant 2016, R), mostly 75+. Osteoporosis diagnosed or
#: treated in 2.2 % (E: about one woman in five aged 70+ has it by bone density, Kanis et al., R,
#: a minority of them diagnosed). Parkinson's disease 0.2 % (R: about 20,000 people in Sweden,
#: Parkinsonförbundet). Long-term back pain 5 % from early adulthood (E: Barnett's "painful
#: condition" ~10 %, R; chronic pain reported by ~20 % of Swedish adults, SBU 2006, R).
DEFAULT_CONDITIONS = {
    # condition: (prevalence, age midpoint, age width, ICD-10 code)
    "hypertension": (0.220, 62, 9, "I10"),
    "heart_failure": (0.0185, 86, 7, "I50.9"),
    "atrial_fibrillation": (0.0289, 82, 8, "I48.9"),
    "ischaemic_heart_disease": (0.035, 78, 9, "I25.1"),
    "diabetes_t2": (0.050, 66, 11, "E11.9"),
    "copd": (0.015, 74, 9, "J44.9"),
    "dementia": (0.0165, 88, 6, "F03.9"),
    "depression": (0.060, 45, 20, "F32.9"),
    "stroke": (0.0194, 80, 9, "I69.3"),
    "rheumatoid_arthritis": (0.0047, 55, 12, "M06.9"),
    "hip_osteoarthritis": (0.027, 72, 9, "M16.9"),
    "asthma": (0.060, 5, 8, "J45.9"),
    "hypothyroidism": (0.035, 58, 14, "E03.9"),
    "hyperlipidaemia": (0.085, 60, 8, "E78.5"),
    "knee_osteoarthritis": (0.064, 68, 9, "M17.9"),
    "cancer": (0.045, 71, 9, "C80.9"),
    "chronic_kidney_disease": (0.020, 82, 8, "N18.3"),
    "osteoporosis": (0.022, 79, 8, "M81.9"),
    "parkinsons_disease": (0.002, 80, 6, "G20"),
    "chronic_back_pain": (0.050, 40, 10, "M54.5"),
}
#: Correlation of each condition's liability with a person's latent frailty, which makes
#: conditions cluster (E: set with the prevalences above so that multimorbidity, 2+ of these
#: conditions, rises with age towards calibration.md's ~45 / 60 / 70-75 % at 65-74 / 75-84 / 85+;
#: a stronger clustering, 0.75, left too many of the old with none or one).
CONDITION_FRAILTY_LOADING = 0.65
#: Hazard ratio of death for each chronic condition (a person's ratios multiply): the first
#: eleven DEATH_HR_PER_CONDITION (E); treated hypothyroidism and lipid disorders none (E); asthma
#: and knee osteoarthritis a little (E); osteoporosis through its fractures (E); chronic kidney
#: disease stage 3-5 about 1.5 (all-cause mortality rises with falling eGFR, Go et al., NEJM
#: 2004, R); cancer diagnosed at any time about 1.6 (E: most survivors of five years live as long
#: as others, the recently diagnosed far shorter); Parkinson's disease about 1.8 (R: all-cause
#: mortality ratios of 1.5-2.5 in cohort studies).
DEATH_HR_BY_CONDITION = {
    "hypertension": DEATH_HR_PER_CONDITION,
    "heart_failure": DEATH_HR_PER_CONDITION,
    "atrial_fibrillation": DEATH_HR_PER_CONDITION,
    "ischaemic_heart_disease": DEATH_HR_PER_CONDITION,
    "diabetes_t2": DEATH_HR_PER_CONDITION,
    "copd": DEATH_HR_PER_CONDITION,
    "dementia": DEATH_HR_PER_CONDITION,
    "depression": DEATH_HR_PER_CONDITION,
    "stroke": DEATH_HR_PER_CONDITION,
    "rheumatoid_arthritis": DEATH_HR_PER_CONDITION,
    "hip_osteoarthritis": DEATH_HR_PER_CONDITION,
    "asthma": 1.1,
    "hypothyroidism": 1.0,
    "hyperlipidaemia": 1.0,
    "knee_osteoarthritis": 1.05,
    "cancer": 1.6,
    "chronic_kidney_disease": 1.5,
    "osteoporosis": 1.2,
    "parkinsons_disease": 1.8,
    "chronic_back_pain": 1.0,
}
#: How much each chronic condition counts in the odds that an ED visit leads to admission and in
#: the chance of a 30-day readmission (inpatient.py: 0.25 on the log-odds and +15 % per unit): 1
#: for each of the first eleven (E), as much for cancer, chronic kidney disease and Parkinson's
#: disease, less for asthma, knee osteoarthritis and osteoporosis (its fractures), none for
#: treated hypothyroidism, lipid disorders and back pain, which rarely bring a patient into
#: hospital (E). Counting every condition alike would make the admitted fewer and sicker than
#: before with no source for it.
CONDITION_ACUTE_WEIGHT = {
    "hypertension": 1.0,
    "heart_failure": 1.0,
    "atrial_fibrillation": 1.0,
    "ischaemic_heart_disease": 1.0,
    "diabetes_t2": 1.0,
    "copd": 1.0,
    "dementia": 1.0,
    "depression": 1.0,
    "stroke": 1.0,
    "rheumatoid_arthritis": 1.0,
    "hip_osteoarthritis": 1.0,
    "asthma": 0.3,
    "hypothyroidism": 0.0,
    "hyperlipidaemia": 0.0,
    "knee_osteoarthritis": 0.2,
    "cancer": 1.0,
    "chronic_kidney_disease": 1.0,
    "osteoporosis": 0.5,
    "parkinsons_disease": 1.0,
    "chronic_back_pain": 0.0,
}

# --- Utilisation ------------------------------------------------------------------------------
#: Contacts per 1,000 residents and year in the first year; the generator solves the level so the
#: region's expected rate equals these. Primary-care physician visits 1,480 [S12], of which ~10 %
#: digital [S20] (E); other professions in primary care 2,000-2,500 [E]; digital contacts ~220
#: (67 % physician [S19], E); specialist outpatient physician visits 1,290 [S9] plus ~600 nurse
#: visits (E); ED visits 173 [S10]; inpatient episodes 131 [S9] (a third via the ED [S10]); day
#: surgery ~48 (R: ~500,000 a year in Sweden); home health care: 39 patients per 1,000 [S18].
DEFAULT_RATES_PER_1000 = {
    "pc_physician": 1_330.0,
    "pc_nurse": 1_500.0,
    "pc_allied": 750.0,
    "digital": 220.0,
    "outpatient_physician": 1_290.0,
    "outpatient_nurse": 600.0,
    "emergency": 173.0,
    "inpatient": 131.0,
    "day_surgery": 48.0,
    "home_health_patients": 39.0,
}
#: Home health care visits per patient and year (E: roughly weekly visits, Socialstyrelsen [S18]).
HOME_CARE_VISITS_PER_PATIENT = 30.0
#: Share of ED visits that lead to admission: 1 in 3 [S10].
ED_ADMISSION_SHARE = 1 / 3
#: Share of inpatient episodes that are planned (elektiva) (E, about 30 % in Swedish somatic care).
PLANNED_INPATIENT_SHARE = 0.28
#: Inpatient episodes per 1,000 that come from readmissions added after the first draw (~5) and
#: from deaths in hospital (~0.4 x 9.5 deaths per 1,000 ~ 4): held back from the direct acute
#: admissions so that the total stays at the published rate (E, measured on generated regions).
READMISSION_AND_DEATH_EPISODES_PER_1000 = 9.0
#: Relative use by age band 0-4, 5-17, 18-44, 45-64, 65-79, 80+ (E, the shape of Socialstyrelsen's
#: patient-register age profiles; 80+ are ~18-20 % of ED visits [S11]).
AGE_BAND_EDGES = (0, 5, 18, 45, 65, 80, 200)
DEFAULT_AGE_PROFILES = {
    "pc_physician": (1.4, 0.6, 0.7, 1.0, 1.6, 2.2),
    "pc_nurse": (1.6, 0.5, 0.6, 1.0, 1.8, 2.8),
    "pc_allied": (0.3, 0.6, 1.0, 1.3, 1.4, 1.1),
    "digital": (1.5, 0.8, 1.4, 0.9, 0.5, 0.2),
    "outpatient_physician": (0.5, 0.5, 0.7, 1.1, 1.8, 1.8),
    "outpatient_nurse": (0.4, 0.4, 0.6, 1.0, 2.0, 2.3),
    "emergency": (1.0, 0.6, 0.8, 0.8, 1.3, 3.0),
    "inpatient": (0.9, 0.3, 0.5, 0.9, 2.2, 4.5),
    "day_surgery": (0.2, 0.5, 0.8, 1.3, 1.6, 0.9),
    "home_health_patients": (0.05, 0.05, 0.08, 0.3, 2.5, 12.0),
    "inpatient_planned": (0.3, 0.3, 0.6, 1.3, 2.1, 1.6),
}
#: Log-rate effect of each chronic condition on each kind of contact (E; heart failure, COPD and
#: dementia drive admissions, as in Halland's heart-failure PEC study where inpatient care was 57 %
#: of those patients' cost [S24]).
DEFAULT_CONDITION_EFFECTS = {
    # condition: (primary care, outpatient, emergency, inpatient, home health care)
    "hypertension": (0.25, 0.10, 0.03, 0.03, 0.10),
    "heart_failure": (0.40, 0.60, 0.40, 0.55, 0.70),
    "atrial_fibrillation": (0.25, 0.45, 0.25, 0.25, 0.20),
    "ischaemic_heart_disease": (0.20, 0.45, 0.25, 0.25, 0.15),
    "diabetes_t2": (0.40, 0.30, 0.15, 0.15, 0.25),
    "copd": (0.40, 0.40, 0.40, 0.45, 0.50),
    "dementia": (0.20, -0.10, 0.35, 0.30, 1.20),
    "depression": (0.45, 0.15, 0.25, 0.10, 0.10),
    "stroke": (0.25, 0.35, 0.25, 0.30, 0.60),
    "rheumatoid_arthritis": (0.30, 0.90, 0.10, 0.10, 0.10),
    "hip_osteoarthritis": (0.30, 0.40, 0.05, 0.15, 0.20),
    "asthma": (0.25, 0.10, 0.10, 0.05, 0.0),
    "hypothyroidism": (0.15, 0.05, 0.0, 0.0, 0.0),
    "hyperlipidaemia": (0.10, 0.05, 0.0, 0.0, 0.0),
    "knee_osteoarthritis": (0.25, 0.35, 0.05, 0.10, 0.10),
    "cancer": (0.20, 0.80, 0.20, 0.40, 0.30),
    "chronic_kidney_disease": (0.20, 0.35, 0.15, 0.25, 0.25),
    "osteoporosis": (0.15, 0.15, 0.15, 0.10, 0.20),
    "parkinsons_disease": (0.30, 0.60, 0.30, 0.35, 0.80),
    "chronic_back_pain": (0.30, 0.15, 0.05, 0.0, 0.0),
}
#: Spread (standard deviation of the log) of each person's individual need, by kind of contact,
#: and its persistence from one year to the next (E, tuned so cost concentration matches
#: Denmark/Norway/MEPS figures [S29][S31][S32] and Halland's suggested targets).
DEFAULT_FRAILTY_SD = {
    "primary_care": 0.55,
    "digital": 0.9,
    "outpatient": 0.70,
    "emergency": 0.80,
    "inpatient": 0.80,
    "day_surgery": 0.5,
    "home_health_care": 0.9,
}
FRAILTY_PERSISTENCE = 0.65
#: Weight of the lifelong frailty (the one behind the chronic conditions) in each year's need:
#: need = w x frailty + sqrt(1 - w^2) x a yearly AR(1) part (E).
NEED_FRAILTY_WEIGHT = 0.5
#: Soft ceilings on a person's expected contacts per year (E): stays take time, and even the
#: sickest residents are rarely admitted more than a few times a year [S17].
RATE_CEILINGS = {
    "emergency": 6.0,
    "inpatient": 2.5,
    "pc_physician": 10.0,
    "pc_nurse": 12.0,
    "pc_allied": 15.0,
    "digital": 8.0,
    "outpatient_physician": 10.0,
    "outpatient_nurse": 10.0,
    "day_surgery": 1.5,
}
#: Extra use in the last year of life (E: end-of-life care concentrates admissions).
END_OF_LIFE_MULTIPLIER = {
    "emergency": 2.0,
    "inpatient": 2.0,
    "home_health_care": 3.0,
    "outpatient": 1.3,
}
#: Share of deaths that happen during an inpatient episode (E, ~40 % of deaths in Sweden occur in
#: hospital, Socialstyrelsen dödsorsaksregistret, R).
IN_HOSPITAL_DEATH_SHARE = 0.40
#: Yearly change in acute and planned admissions per 1,000 residents of the same age and health:
#: -2.5 % a year (E: Swedish inpatient episodes per 1,000 fell from ~157 in 2015 to ~131 in 2022,
#: -2.5 % a year, and -3.4 % a year in 2015-18; Socialstyrelsen's patient register, calibration.md
#: "Further sources" section 3). It applies to direct and planned admissions and to the share of ED
#: visits admitted, so every age band's admission rate falls by it; beds follow (resources.py).
#: This region-wide trend is written in the answer key: a naive before/after comparison reads it
#: as the effect of whatever started in between.
DEFAULT_ADMISSION_TREND = -0.025
#: Trends per year after the first (E): fewer admissions (above), growing digital care [S19].
DEFAULT_TRENDS = {
    "inpatient": DEFAULT_ADMISSION_TREND,
    "digital": 0.15,
    "outpatient_physician": 0.01,
}

#: Mean somatic length of stay ~5.2 days (E from OECD 5.9 for all inpatient care [S14]); the
#: log-normal spread gives the long right tail where the costliest 5 % of episodes carry ~20 % of
#: inpatient cost [S22].
DEFAULT_MEAN_LOS = 5.2
LOS_LOG_SD = 0.85
#: 30-day unplanned readmission after discharge of patients 65+: ~10 % [S16].
READMISSION_65_TARGET = 0.10
#: ED length of stay: median 4 h 17 min [S10].
ED_MEDIAN_MINUTES = 257

# --- Staff, pay and capacity ------------------------------------------------------------------
#: Monthly salaries (SEK, regions): specialist physician 80,700, registered nurse 34,800 [S25];
#: specialist nurse 44,750 [S26]; assistant nurse ~31,000 (E); allied health ~35,000 (E, between
#: nurse and specialist nurse); medical secretary ~31,500 (E). Physician pool: mix of specialists
#: and residents (ST 49,400 [S25]) at 3:1 -> ~72,900.
DEFAULT_MONTHLY_SALARY = {
    "physician": 72_900,
    "nurse": 37_000,
    "assistant_nurse": 31_000,
    "allied_health": 35_000,
    "medical_secretary": 31_500,
}
#: Salary months per year incl. holiday pay (E, calibration.md section 3).
SALARY_MONTHS = 12.2
#: Employer on-costs (PO-pålägg), regions 2023: 52.28 % of salary [S27].
DEFAULT_ON_COST_RATE = 0.5228
#: Supplement for inconvenient hours (OB) on units open around the clock (E, ~12 % of salary).
ROUND_THE_CLOCK_SUPPLEMENT = 0.12
#: Hours per FTE: ~2,080 paid; absence (vacation, sickness, parental) ~14 %, training ~2 %,
#: breaks and meetings ~4 %, leaving practical capacity ~80 % of paid time [S28] (E).
PAID_HOURS_PER_FTE = 2_080.0
ABSENCE_SHARE, TRAINING_SHARE, BREAK_SHARE = 0.14, 0.02, 0.04
#: Share of practical capacity that units use for recorded patient work (E; a unit is staffed for
#: its peaks, so 10-20 % of practical capacity is usually unused).
STAFF_UTILISATION_RANGE = (0.80, 0.92)
#: Primary care staff do much patient work besides visits: telephone advice, prescription renewals,
#: certificates, test results, referrals, dictation and reading records. In a Swedish time study
#: GPs spent 35.9 % of their working time on direct and 34.1 % on indirect patient work, nurses
#: 42.6 % and 27.6 %, and both ~30 % on other tasks (Anskär et al., BMC Health Serv Res 2018;18:166,
#: calibration.md "Further sources" section 4). The centres document this indirect time on the
#: encounters it belongs to (a time equation: each visit's minutes include its share of the
#: indirect work): PRIMARY_CARE_INDIRECT_SHARE is that share of the visit's own staff minutes (E).
PRIMARY_CARE_INDIRECT_SHARE = 0.20
#: Share of practical capacity recorded on patients at centres (visits and their documented
#: indirect time): patient work is ~70 % of working time [Anskär 2018], i.e. ~75 % of practical
#: capacity, which leaves out training and breaks (~7 % of working time) (E). The rest, ~20-30 %,
#: is other work not recorded on patients (meetings, administration, development: Anskär's
#: "other tasks") and idle time: PEC counts both as unused capacity.
PRIMARY_CARE_UTILISATION_RANGE = (0.70, 0.82)
#: Range of primary care centres' unused staff capacity the region should show (E, from the above).
PRIMARY_CARE_UNUSED_RANGE = (0.18, 0.30)
#: Ward staff time is recorded as time per patient-day, allocated from whole shifts, so nearly all
#: of a ward's practical staff time is recorded; its slack shows as empty beds instead (E).
WARD_UTILISATION_RANGE = (0.94, 0.99)
#: Visits of patients with several chronic conditions take longer: each condition adds ~5 % to
#: the staff time of a visit, up to five (E; consultation length rises with multimorbidity,
#: Salisbury et al., Br J Gen Pract 2011, R). The average visit is ~10 % longer for it, as when
#: the warehouse had eleven conditions at 8 % each: a longer list counts more conditions per
#: patient (primary care patients' capped count rose from ~1.3 to ~2.1), each for less.
COMPLEX_VISIT_EXTRA_PER_CONDITION = 0.05
COMPLEX_VISIT_MAX_CONDITIONS = 5
#: Share of stroke and TIA patients not admitted to a stroke unit first (E: Riksstroke reports
#: ~85-90 % first admitted to a stroke unit, R).
STROKE_UNIT_MISSED_SHARE = 0.12
#: Ward bed occupancy at which wards are sized: ~90 % (E, calibration.md section 2, [S15]).
TARGET_OCCUPANCY = 0.90
#: Practical share of equipment capacity: ~85 % [S28][S60].
EQUIPMENT_PRACTICAL_SHARE = 0.85
#: Theatre opening: 230 working days x 8 hours per theatre (E).
THEATRE_MINUTES_PER_YEAR = 230 * 8 * 60

# --- Non-staff costs (ledger) -----------------------------------------------------------------
#: Premises per staffed bed and year (E: ~80 m2 per bed incl. shared areas x ~2,500 SEK/m2,
#: SKR lokalkostnader, R) and per FTE in clinics and centres (E: ~30 m2 per FTE).
PREMISES_PER_BED = 200_000.0
PREMISES_PER_FTE = 75_000.0
#: Medical equipment per bed and year (E).
EQUIPMENT_PER_BED = 40_000.0
#: Per operating theatre and year: premises 1.5 M, equipment and depreciation 2.0 M (E).
THEATRE_PREMISES, THEATRE_EQUIPMENT = 1_500_000.0, 2_000_000.0
#: Imaging: equipment and depreciation per exam of capacity; laboratory: reagents (supplies) and
#: analysers per test (E).
IMAGING_EQUIPMENT_PER_EXAM, LAB_SUPPLIES_PER_TEST, LAB_EQUIPMENT_PER_TEST = 300.0, 25.0, 8.0
#: Staff minutes per imaging exam (radiologist, radiographer, secretary) and laboratory test (E).
IMAGING_MINUTES = {"physician": 12, "nurse": 25, "medical_secretary": 5}
LAB_MINUTES = {"allied_health": 5, "assistant_nurse": 1.5}
#: IT services per FTE and year (E: regions spend ~4 % of costs on IT, SKR, R).
IT_PER_FTE = 55_000.0
#: Administration and support services as a share of a unit's other costs (E: 8-12 % in KPP).
ADMIN_SHARE = 0.09
#: Primary care centres are stand-alone units in the choice system (vårdval): their own management,
#: reception and quality work, and premises rented on market terms (E).
PRIMARY_CARE_ADMIN_SHARE = 0.15
PRIMARY_CARE_PREMISES_PER_FTE = 100_000.0
#: Research and education (not patient-related) at hospital units, share of salaries (E).
RESEARCH_SHARE = 0.015
#: Drugs and supplies used but not traced to a patient (ward stock), share of traced (E).
UNTRACED_DRUG_SHARE, UNTRACED_SUPPLY_SHARE = 0.10, 0.05
#: Theatre utilisation at which theatres are sized (E).
THEATRE_UTILISATION = 0.80
