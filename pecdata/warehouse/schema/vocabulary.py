"""The warehouse's vocabularies: the values a coded column may take, and the date range."""

from __future__ import annotations

CARE_LEVELS = (
    "primary_care",  # primärvård (vårdcentral), physical visits
    "digital",  # digitala vårdbesök
    "outpatient",  # specialiserad öppenvård (mottagningsbesök)
    "emergency",  # akutmottagning
    "inpatient",  # slutenvård (vårdtillfälle)
    "day_surgery",  # dagkirurgi
    "home_health_care",  # kommunal hemsjukvård (HSL)
)
PROFESSIONS = ("physician", "nurse", "assistant_nurse", "allied_health", "medical_secretary")
RESOURCES = PROFESSIONS + ("bed_day", "theatre", "imaging", "laboratory", "drugs", "supplies")
MEASURES = ("minutes", "bed_days", "exams", "tests", "sek")
UNIT_TYPES = (
    "primary_care_centre",
    "digital_care",
    "outpatient_clinic",
    "emergency_department",
    "ward",
    "surgical_centre",
    "imaging",
    "laboratory",
    "home_health_care",
)
SPECIALTIES = (
    "general_practice",
    "internal_medicine",
    "cardiology",
    "pulmonology",
    "geriatrics",
    "infectious_diseases",
    "neurology",
    "rheumatology",
    "general_surgery",
    "orthopaedics",
    "emergency_medicine",
    "radiology",
    "clinical_chemistry",
    "home_care",
)
CONDITIONS = (
    "hypertension",
    "heart_failure",
    "atrial_fibrillation",
    "ischaemic_heart_disease",
    "diabetes_t2",
    "copd",
    "dementia",
    "depression",
    "stroke",
    "rheumatoid_arthritis",
    "hip_osteoarthritis",
    "asthma",
    "hypothyroidism",
    "hyperlipidaemia",
    "knee_osteoarthritis",
    "cancer",
    "chronic_kidney_disease",
    "osteoporosis",
    "parkinsons_disease",
    "chronic_back_pain",
)
DISCHARGE_DESTINATIONS = (
    "home",
    "home_with_home_care",
    "nursing_home",
    "other_hospital",
    "deceased",
)
PATHWAYS = ("stroke_tia", "sepsis", "copd", "hip_osteoarthritis")
MILESTONES = (
    # stroke/TIA
    "ed_arrival",
    "brain_imaging",
    "reperfusion_start",
    "stroke_unit_admission",
    # sepsis
    "sepsis_alarm",
    "antibiotics_given",
    "telephone_follow_up",
    # COPD exacerbation
    "admission",
    # hip osteoarthritis
    "diagnosis",
    "basic_treatment_start",
    "orthopaedic_referral",
    "orthopaedic_assessment",
    "arthroplasty",
    "rehabilitation_goal_met",
    # shared
    "discharge",
    "follow_up_visit",
)
OWNERS = ("region", "municipality")

# Date range the validator accepts for events (the generator writes 2000-2039 at most).
EARLIEST_DATE = "1900-01-01"
LATEST_DATE = "2100-12-31"
