"""The default exam catalogue, rule set and device calendars (R-EXAM-1/2).

Values follow `shared/reference/domain-rules.md` §2: fasting hours and sequencing from published
hospital notices; durations the sources give (MRI 10–20 min per part, longer with contrast) or,
where they give none, common practice (ultrasound 10–15 min, CT 10–20, endoscopy 20–60). All of
them are data: the appointment centre edits items, rules and devices in the back office, and
`load_default_catalogue` only creates what is missing, so its edits survive a reload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from onetrip.consortium.models import Institution, InstitutionLevel
from onetrip.exams.models import (
    Contrast,
    Device,
    DeviceDay,
    DeviceKind,
    DeviceSlot,
    ExamItem,
    ExamRule,
    OpeningHours,
    RuleKind,
    TravelTime,
)
from onetrip.exams.rules import ExamSpec, Rule, field_tags


@dataclass(frozen=True)
class _Item:
    code: str
    name: str
    name_en: str
    kind: str
    minutes: int
    tags: tuple[str, ...] = ()
    fasting_hours: int = 0
    full_bladder: bool = False
    bowel_prep: bool = False
    contrast: str = Contrast.NONE
    sedation: bool = False
    lead_days: int = 0
    preparation: str = ""
    preparation_en: str = ""


_FASTING_8 = (
    "检查前一晚21点后禁食，24点后禁水",
    "No food after 21:00 the evening before, no water after midnight.",
)
_BOWEL = (
    "检查前一天按说明服用泻药清洁肠道",
    "Take the bowel preparation the day before as instructed.",
)
_BLADDER = (
    "检查前1–2小时饮水500–1000毫升，憋尿",
    "Drink 500–1000 ml 1–2 hours before and keep your bladder full.",
)
_CONTRAST = (
    "需家属陪同并签署造影剂知情同意书",
    "Come with a relative; you will sign consent for the contrast agent.",
)

_IODINE_FREE = (
    "检查前4周内避免碘造影剂、含碘药物及海带紫菜等高碘食物",
    "No iodine contrast, iodine medicine or kelp and seaweed for 4 weeks before.",
)
_RECORDER = (
    "佩戴期间勿洗澡、远离磁场，记录活动日志；次日同一时间后回来拆机",
    "Do not shower or go near magnets while wearing it; keep a diary of activity; come back "
    "the next day after the same time to return it.",
)

U, CT, MR, DR, FL, EN = (
    DeviceKind.ULTRASOUND,
    DeviceKind.CT,
    DeviceKind.MRI,
    DeviceKind.DR,
    DeviceKind.FLUOROSCOPY,
    DeviceKind.ENDOSCOPY,
)
IODINE, GAD, BARIUM = Contrast.IODINATED, Contrast.GADOLINIUM, Contrast.BARIUM

DEFAULT_ITEMS: tuple[_Item, ...] = (
    _Item(
        "US_ABD",
        "腹部超声（肝胆胰脾）",
        "Abdominal ultrasound (liver, gallbladder, pancreas, spleen)",
        U,
        15,
        ("abdominal_us",),
        8,
        preparation=_FASTING_8[0],
        preparation_en=_FASTING_8[1],
    ),
    _Item(
        "US_PELVIS",
        "泌尿系及盆腔超声",
        "Urinary tract and pelvic ultrasound",
        U,
        15,
        ("pelvic_us",),
        full_bladder=True,
        preparation=_BLADDER[0],
        preparation_en=_BLADDER[1],
    ),
    _Item("US_THYROID", "甲状腺超声", "Thyroid ultrasound", U, 15, ("thyroid_us",)),
    _Item("US_BREAST", "乳腺超声", "Breast ultrasound", U, 15),
    _Item("US_VESSELS", "四肢血管超声", "Limb vessel ultrasound", U, 30),
    _Item("CT_HEAD", "头颅CT平扫", "Head CT", CT, 10),
    _Item("CT_CHEST", "胸部CT平扫", "Chest CT", CT, 10),
    _Item(
        "CT_ABD",
        "腹部CT平扫",
        "Abdominal CT",
        CT,
        20,
        ("abdominal_ct",),
        6,
        preparation="检查前禁食6小时，检查前饮用甘露醇溶液800–1000毫升",
        preparation_en="Fast 6 hours; drink 800–1000 ml of mannitol solution before the scan.",
    ),
    _Item(
        "CT_ABD_ENH",
        "腹部增强CT",
        "Contrast-enhanced abdominal CT",
        CT,
        20,
        ("abdominal_ct", "iodinated_contrast", "enhanced_ct", "enhanced", "enhanced_abdominal_ct"),
        6,
        contrast=IODINE,
        preparation=_CONTRAST[0],
        preparation_en=_CONTRAST[1],
    ),
    _Item(
        "CT_CHEST_ENH",
        "胸部增强CT",
        "Contrast-enhanced chest CT",
        CT,
        20,
        ("iodinated_contrast", "enhanced_ct", "enhanced", "enhanced_chest_ct"),
        4,
        contrast=IODINE,
        preparation=_CONTRAST[0],
        preparation_en=_CONTRAST[1],
    ),
    _Item("MRI_HEAD", "头颅MRI平扫", "Head MRI", MR, 30),
    _Item("MRI_LSPINE", "腰椎MRI平扫", "Lumbar spine MRI", MR, 30),
    _Item(
        "MRI_HEAD_ENH",
        "头颅增强MRI",
        "Contrast-enhanced head MRI",
        MR,
        45,
        ("enhanced_mri", "enhanced"),
        contrast=GAD,
        preparation=_CONTRAST[0],
        preparation_en=_CONTRAST[1],
    ),
    _Item(
        "MRI_ABD_ENH",
        "上腹部增强MRI",
        "Contrast-enhanced upper-abdominal MRI",
        MR,
        60,
        ("enhanced_mri", "enhanced"),
        6,
        contrast=GAD,
        preparation=_CONTRAST[0],
        preparation_en=_CONTRAST[1],
    ),
    _Item("DR_CHEST", "胸部正侧位DR", "Chest X-ray (DR)", DR, 10),
    _Item("DR_KNEE", "膝关节DR", "Knee X-ray (DR)", DR, 10),
    _Item(
        "BARIUM_MEAL",
        "上消化道钡餐造影",
        "Barium meal",
        FL,
        30,
        ("barium_meal", "barium"),
        10,
        contrast=BARIUM,
        preparation="检查前禁食10小时；3天内停服铁剂、钙剂、铋剂",
        preparation_en="Fast 10 hours; no iron, calcium or bismuth medicine for 3 days.",
    ),
    _Item(
        "BARIUM_ENEMA",
        "钡剂灌肠造影",
        "Barium enema",
        FL,
        30,
        ("barium_enema", "barium"),
        6,
        bowel_prep=True,
        contrast=BARIUM,
        lead_days=1,
        preparation=_BOWEL[0],
        preparation_en=_BOWEL[1],
    ),
    _Item(
        "CHOLANGIOGRAPHY",
        "胆道造影",
        "Cholangiography",
        FL,
        30,
        ("cholangiography", "iodinated_contrast"),
        4,
        contrast=IODINE,
        preparation="碘过敏试验阴性，禁食4小时",
        preparation_en="Negative iodine allergy test; fast 4 hours.",
    ),
    _Item(
        "GASTROSCOPY",
        "普通胃镜",
        "Gastroscopy",
        EN,
        30,
        ("gastroscopy",),
        8,
        preparation=_FASTING_8[0],
        preparation_en=_FASTING_8[1],
    ),
    _Item(
        "GASTROSCOPY_SED",
        "无痛胃镜",
        "Gastroscopy under sedation",
        EN,
        30,
        ("gastroscopy",),
        8,
        sedation=True,
        preparation=_FASTING_8[0],
        preparation_en=_FASTING_8[1],
    ),
    _Item(
        "COLONOSCOPY",
        "普通肠镜",
        "Colonoscopy",
        EN,
        30,
        ("colonoscopy",),
        6,
        bowel_prep=True,
        lead_days=1,
        preparation=_BOWEL[0],
        preparation_en=_BOWEL[1],
    ),
    _Item(
        "COLONOSCOPY_SED",
        "无痛肠镜",
        "Colonoscopy under sedation",
        EN,
        45,
        ("colonoscopy",),
        6,
        bowel_prep=True,
        sedation=True,
        lead_days=1,
        preparation=_BOWEL[0],
        preparation_en=_BOWEL[1],
    ),
    _Item(
        "GASTRO_COLONO_SED",
        "无痛胃肠镜联合检查",
        "Combined gastroscopy and colonoscopy under sedation",
        EN,
        60,
        ("combined_endoscopy",),
        8,
        bowel_prep=True,
        sedation=True,
        lead_days=1,
        preparation=_BOWEL[0],
        preparation_en=_BOWEL[1],
    ),
    _Item("ECG", "常规心电图", "Electrocardiogram (ECG)", DeviceKind.ECG, 10, ("resting_ecg",)),
    _Item("ECHO", "心脏彩超", "Echocardiography", DeviceKind.ECHO, 20),
    _Item(
        "BLOOD_FASTING",
        "空腹抽血（肝功能、血脂、血糖）",
        "Fasting blood tests (liver, lipids, glucose)",
        DeviceKind.BLOOD_DRAW,
        5,
        ("fasting_blood",),
        8,
        preparation=_FASTING_8[0],
        preparation_en=_FASTING_8[1],
    ),
    _Item("BLOOD_ROUTINE", "血常规", "Full blood count", DeviceKind.BLOOD_DRAW, 5),
    # Issue 25 (D190): the coagulation screen every operation's pre-admission work asks for.
    _Item("COAGULATION", "凝血功能", "Coagulation screen", DeviceKind.BLOOD_DRAW, 5),
    # Issue 16, second pass (D126): the items the clinical review found missing.
    _Item(
        "BLOOD_RENAL",
        "肾功能（肌酐）",
        "Renal function (creatinine)",
        DeviceKind.BLOOD_DRAW,
        5,
        ("renal_function",),
    ),
    _Item(
        "URINE_ROUTINE",
        "尿常规",
        "Urine test",
        DeviceKind.BLOOD_DRAW,
        5,
        ("urine_sample",),
        preparation="留取清洁中段尿，交检验窗口",
        preparation_en="Give a clean midstream urine sample at the laboratory window.",
    ),
    _Item(
        "STOOL_ROUTINE",
        "粪便常规+隐血",
        "Stool test with occult blood",
        DeviceKind.BLOOD_DRAW,
        5,
        ("stool_sample",),
        preparation="用采样盒留取新鲜大便约蚕豆大小，2小时内送检",
        preparation_en="Bring a fresh bean-sized stool sample in the kit within 2 hours.",
    ),
    _Item(
        "THYROID_SCAN",
        "甲状腺静态显像（核素）",
        "Radionuclide thyroid scan",
        DeviceKind.NUCLEAR,
        30,
        ("thyroid_radionuclide",),
        preparation=_IODINE_FREE[0],
        preparation_en=_IODINE_FREE[1],
    ),
    _Item(
        "I131_UPTAKE",
        "甲状腺摄¹³¹I率测定（服药及首次测量）",
        "Thyroid ¹³¹I uptake (dose and first reading)",
        DeviceKind.NUCLEAR,
        15,
        ("thyroid_radionuclide", "i131_uptake"),
        2,
        preparation="空腹服药，服药后2小时方可进食；" + _IODINE_FREE[0],
        preparation_en="Take the dose fasting and eat 2 hours later. " + _IODINE_FREE[1],
    ),
    _Item(
        "I131_UPTAKE_24H",
        "甲状腺摄¹³¹I率测定（24小时测量）",
        "Thyroid ¹³¹I uptake (24-hour reading)",
        DeviceKind.NUCLEAR,
        15,
        ("thyroid_radionuclide", "i131_uptake_24h"),
    ),
    _Item(
        "HOLTER",
        "24小时动态心电图（佩戴）",
        "24-hour Holter ECG (fitting)",
        DeviceKind.ECG,
        15,
        ("holter",),
        preparation=_RECORDER[0],
        preparation_en=_RECORDER[1],
    ),
    _Item(
        "HOLTER_RETURN",
        "动态心电图拆机（次日）",
        "Holter recorder returned (next day)",
        DeviceKind.ECG,
        10,
        ("holter_return",),
    ),
    _Item(
        "ABPM",
        "24小时动态血压（佩戴）",
        "24-hour ambulatory blood pressure (fitting)",
        DeviceKind.ECG,
        15,
        ("abpm",),
        preparation=_RECORDER[0],
        preparation_en=_RECORDER[1],
    ),
    _Item(
        "ABPM_RETURN",
        "动态血压拆机（次日）",
        "Blood-pressure recorder returned (next day)",
        DeviceKind.ECG,
        10,
        ("abpm_return",),
    ),
    _Item(
        "TREADMILL",
        "运动平板试验",
        "Treadmill exercise ECG test",
        DeviceKind.ECG,
        30,
        ("treadmill",),
        preparation="检查前2小时内勿饱餐，穿运动鞋",
        preparation_en="No heavy meal in the 2 hours before; wear trainers.",
    ),
    _Item(
        "PET_CT",
        "PET-CT全身显像",
        "PET-CT whole body",
        DeviceKind.PET_CT,
        90,
        ("pet_ct",),
        6,
        preparation="检查前禁食6小时，24小时内避免剧烈运动；注射显像剂后安静休息约1小时",
        preparation_en="Fast 6 hours; no strenuous exercise for 24 hours before; rest quietly "
        "for about an hour after the injection.",
    ),
)


@dataclass(frozen=True)
class _Rule:
    code: str
    kind: str
    first: str
    second: str
    days: int
    reason: str
    reason_en: str
    minutes: int = 0


# The documented default rule set (docs/exams-rules.md); each has a test that fails without it.
DEFAULT_RULES: tuple[_Rule, ...] = (
    _Rule(
        "FASTING_MORNING",
        RuleKind.MORNING_ONLY,
        "fasting",
        "",
        0,
        "空腹检查安排在上午，不让您长时间空腹",
        "fasting exams are in the morning so you do not go hungry for long",
    ),
    _Rule(
        "US_BEFORE_GASTROSCOPY",
        RuleKind.BEFORE,
        "abdominal_us",
        "gastroscopy",
        0,
        "胃镜会使胃肠积气，影响腹部超声观察",
        "a gastroscopy leaves air in the gut that hides the organs on ultrasound",
    ),
    _Rule(
        "US_BEFORE_COMBINED_ENDOSCOPY",
        RuleKind.BEFORE,
        "abdominal_us",
        "combined_endoscopy",
        0,
        "胃肠镜会使胃肠积气，影响腹部超声观察",
        "an endoscopy leaves air in the gut that hides the organs on ultrasound",
    ),
    _Rule(
        "US_BEFORE_BARIUM",
        RuleKind.BEFORE,
        "abdominal_us",
        "barium",
        0,
        "残留钡剂会遮挡超声图像",
        "barium left in the gut blocks the ultrasound view",
    ),
    _Rule(
        "US_BEFORE_CHOLANGIOGRAPHY",
        RuleKind.BEFORE,
        "abdominal_us",
        "cholangiography",
        0,
        "造影剂会影响胆道超声观察",
        "the contrast agent disturbs the ultrasound of the bile ducts",
    ),
    _Rule(
        "BARIUM_MEAL_THEN_CT_7D",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "barium_meal",
        "abdominal_ct",
        7,
        "钡餐后约一周内残留钡剂会在腹部CT上形成伪影，CT需先做或隔7天",
        "barium stays in the gut for about a week and spoils "
        "an abdominal CT, so the CT comes first or 7 days later",
    ),
    _Rule(
        "BARIUM_ENEMA_THEN_CT_3D",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "barium_enema",
        "abdominal_ct",
        3,
        "钡剂灌肠后3天内残留钡剂会影响腹部CT，CT需先做或隔3天",
        "barium from an enema spoils an abdominal CT for 3 "
        "days, so the CT comes first or 3 days later",
    ),
    _Rule(
        "IODINE_7_DAYS_APART",
        RuleKind.DAYS_APART,
        "iodinated_contrast",
        "iodinated_contrast",
        7,
        "两次碘造影剂检查至少间隔7天，减轻肾脏负担",
        "two iodinated-contrast exams are at least 7 days apart to spare the kidneys",
    ),
    _Rule(
        "ENHANCED_CT_MRI_NOT_SAME_DAY",
        RuleKind.NOT_SAME_DAY,
        "enhanced_ct",
        "enhanced_mri",
        0,
        "增强CT与增强MRI不在同一天做（同日使用两种造影剂）",
        "an enhanced CT and an enhanced MRI are never "
        "on the same day (two contrast agents in one day)",
    ),
    _Rule(
        "GASTRO_COLONO_ONLY_COMBINED",
        RuleKind.NOT_SAME_DAY,
        "gastroscopy",
        "colonoscopy",
        0,
        "胃镜与肠镜同日只能作为一次无痛胃肠镜联合检查；可请医生改开联合检查",
        "a gastroscopy and a colonoscopy share a day only as "
        "one combined sedated procedure, which the doctor can order instead",
    ),
    _Rule(
        "ENHANCED_REPEAT_30D",
        RuleKind.REPEAT_WITHIN_DAYS,
        "enhanced",
        "",
        30,
        "30天内重复同一增强检查，请与开单医生确认",
        "the same enhanced exam again within 30 days: please check with the ordering doctor",
    ),
    # Issue 16 (D115): the sequencing a radiology or endoscopy nurse checks; sources in
    # docs/exams-rules.md.
    _Rule(
        "US_BEFORE_COLONOSCOPY",
        RuleKind.BEFORE,
        "abdominal_us",
        "colonoscopy",
        0,
        "肠镜检查会向肠道注气，肠内积气影响腹部超声观察",
        "a colonoscopy fills the bowel with air that hides the organs on ultrasound",
    ),
    _Rule(
        "GASTROSCOPY_BEFORE_BARIUM_MEAL",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "barium_meal",
        "gastroscopy",
        3,
        "钡剂残留会覆盖胃黏膜、影响胃镜观察，胃镜需先做或钡餐后隔3天",
        "barium coats the stomach lining and hides it from the gastroscope, so the "
        "gastroscopy comes first or 3 days later",
    ),
    _Rule(
        "US_BEFORE_ABDOMINAL_CT",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "abdominal_ct",
        "abdominal_us",
        1,
        "腹部CT前需口服对比剂（甘露醇溶液），肠道充液积气影响腹部超声，超声需先做或改日",
        "the drink before an abdominal CT fills the gut and spoils the ultrasound, so "
        "the ultrasound comes first or on another day",
    ),
    _Rule(
        "FULL_BLADDER_45_MIN_AFTER_ABDOMINAL_US",
        RuleKind.MIN_GAP,
        "abdominal_us",
        "full_bladder",
        0,
        "腹部超声（空腹）做完后再饮水憋尿，约需45分钟膀胱才充盈",
        "after the fasting abdominal ultrasound you drink and wait about 45 minutes "
        "for the bladder to fill",
        minutes=45,
    ),
    _Rule(
        "FULL_BLADDER_WITHIN_2H_OF_ABDOMINAL_US",
        RuleKind.MAX_GAP,
        "abdominal_us",
        "full_bladder",
        0,
        "饮水后憋尿一般不超过2小时，盆腔超声安排在腹部超声后2小时内",
        "a full bladder cannot be held much longer than two hours, so the pelvic "
        "ultrasound is within two hours of the abdominal one",
        minutes=120,
    ),
    _Rule(
        "SEDATION_LAST_WITH_RECOVERY",
        RuleKind.RECOVERY,
        "sedation",
        "",
        0,
        "无痛（镇静）检查后需在复苏区观察至完全清醒，当日其他检查排在其前或至少2小时后；"
        "须有成年家属陪同",
        "after a sedated exam you rest until fully awake, so other exams that day come "
        "before it or at least two hours after; bring an adult escort",
        minutes=120,
    ),
    _Rule(
        "FASTING_BLOOD_BEFORE_10",
        RuleKind.START_BEFORE,
        "fasting_blood",
        "",
        0,
        "空腹抽血宜在上午10点前完成，空腹过久会影响血糖等结果",
        "fasting bloods are drawn before 10:00: fasting much longer changes glucose "
        "and other results",
        minutes=10 * 60,
    ),
    # Issue 16, second pass (D126).
    _Rule(
        "RENAL_FUNCTION_BEFORE_IODINE",
        RuleKind.RESULT_BEFORE,
        "renal_function",
        "iodinated_contrast",
        30,
        "注射碘造影剂前需有30天内的肾功能（肌酐）结果，抽血后约1小时出结果",
        "iodinated contrast needs a renal function (creatinine) result from the last 30 "
        "days; the result takes about an hour after the blood draw",
        minutes=60,
    ),
    _Rule(
        "RENAL_FUNCTION_BEFORE_GADOLINIUM",
        RuleKind.RESULT_BEFORE,
        "renal_function",
        "gadolinium_contrast",
        30,
        "注射钆造影剂前需有30天内的肾功能（肌酐）结果，抽血后约1小时出结果",
        "gadolinium contrast needs a renal function (creatinine) result from the last 30 "
        "days; the result takes about an hour after the blood draw",
        minutes=60,
    ),
    _Rule(
        "THYROID_US_BEFORE_RADIONUCLIDE",
        RuleKind.BEFORE,
        "thyroid_us",
        "thyroid_radionuclide",
        0,
        "先做甲状腺超声，核素显像结合超声所见判读",
        "the thyroid ultrasound comes first: the radionuclide scan is read with it",
    ),
    _Rule(
        "IODINE_CONTRAST_NOT_BEFORE_THYROID_SCAN",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "iodinated_contrast",
        "thyroid_radionuclide",
        28,
        "碘造影剂会阻断甲状腺摄取示踪剂约4周，核素检查需先做或隔4周",
        "iodinated contrast blocks the thyroid's uptake for about 4 weeks, so the "
        "radionuclide test comes first or 4 weeks later",
    ),
    _Rule(
        "I131_UPTAKE_24H_NEXT_DAY",
        RuleKind.DAYS_AFTER,
        "i131_uptake",
        "i131_uptake_24h",
        1,
        "摄碘率需在服药24小时后再测一次，次日同一时间后回来",
        "the uptake is measured again 24 hours after the dose: come back the next day",
    ),
    _Rule(
        "HOLTER_RETURN_NEXT_DAY",
        RuleKind.DAYS_AFTER,
        "holter",
        "holter_return",
        1,
        "动态心电图记录24小时，次日同一时间后回来拆机",
        "the Holter records for 24 hours: return it the next day after the same time",
    ),
    _Rule(
        "ABPM_RETURN_NEXT_DAY",
        RuleKind.DAYS_AFTER,
        "abpm",
        "abpm_return",
        1,
        "动态血压记录24小时，次日同一时间后回来拆机",
        "the blood-pressure recorder runs for 24 hours: return it the next day after the same time",
    ),
    _Rule(
        "ECG_RESULT_BEFORE_TREADMILL",
        RuleKind.RESULT_BEFORE,
        "resting_ecg",
        "treadmill",
        30,
        "运动平板试验前需先做静息心电图，排除不宜运动的情况",
        "a resting ECG comes before the treadmill test, to rule out a reason not to exercise",
    ),
    _Rule(
        "ECG_SAME_VISIT_AS_TREADMILL",
        RuleKind.SAME_VISIT,
        "resting_ecg",
        "treadmill",
        0,
        "静息心电图与运动平板试验同一次就诊完成，便于对照",
        "the resting ECG and the treadmill test are in the same visit, to be compared",
    ),
    _Rule(
        "NO_EXERCISE_TEST_BEFORE_PET_CT",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "treadmill",
        "pet_ct",
        1,
        "PET-CT前24小时内避免剧烈运动（肌肉摄取显像剂影响判读），平板试验需在其后或改日",
        "no strenuous exercise in the 24 hours before a PET-CT (muscles take up the tracer), "
        "so the treadmill test comes after it or on another day",
    ),
    _Rule(
        "FULL_BLADDER_BEFORE_URINE_SAMPLE",
        RuleKind.BEFORE,
        "full_bladder",
        "urine_sample",
        0,
        "留尿会排空膀胱，憋尿超声需先做",
        "giving a urine sample empties the bladder, so the full-bladder ultrasound comes first",
    ),
    _Rule(
        "COLONOSCOPY_THEN_STOOL_3D",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "colonoscopy",
        "stool_sample",
        3,
        "肠镜及肠道准备后3天内大便隐血结果不可靠，大便检查需先做或隔3天",
        "after a colonoscopy and its bowel preparation the occult-blood test is unreliable "
        "for 3 days, so the stool sample comes first or 3 days later",
    ),
    _Rule(
        "BARIUM_THEN_STOOL_3D",
        RuleKind.NOT_WITHIN_DAYS_AFTER,
        "barium",
        "stool_sample",
        3,
        "钡剂排出前大便检查不可靠，大便检查需先做或隔3天",
        "barium in the stool spoils the stool test for 3 days, so the sample comes first "
        "or 3 days later",
    ),
    _Rule(
        "CHEST_ABDOMEN_ENHANCED_CT_ONE_SCAN",
        RuleKind.COMBINED,
        "enhanced_chest_ct",
        "enhanced_abdominal_ct",
        0,
        "胸部与腹部增强CT可一次扫描完成，只注射一次造影剂",
        "an enhanced chest and abdomen CT is one scan with one contrast dose",
    ),
)


@dataclass(frozen=True)
class _Hours:
    kind: str
    slot_minutes: int
    daily_capacity: int
    periods: tuple[tuple[dt.time, dt.time], ...]


_DAY = ((dt.time(8, 0), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))
_CT_DAY = ((dt.time(7, 30), dt.time(11, 30)), (dt.time(14, 0), dt.time(17, 0)))
# Slot lengths: CT 10 min, MRI 15, ultrasound 15, endoscopy 15, fluoroscopy 30 (§2.3).
DEVICE_DEFAULTS: dict[str, _Hours] = {
    DeviceKind.ULTRASOUND: _Hours(DeviceKind.ULTRASOUND, 15, 28, _DAY),
    DeviceKind.CT: _Hours(DeviceKind.CT, 10, 50, _CT_DAY),
    DeviceKind.MRI: _Hours(DeviceKind.MRI, 15, 30, _DAY),
    DeviceKind.DR: _Hours(DeviceKind.DR, 10, 45, _DAY),
    DeviceKind.FLUOROSCOPY: _Hours(DeviceKind.FLUOROSCOPY, 30, 15, _DAY),
    DeviceKind.ENDOSCOPY: _Hours(DeviceKind.ENDOSCOPY, 15, 20, _DAY),
    DeviceKind.ECG: _Hours(DeviceKind.ECG, 10, 45, _DAY),
    DeviceKind.ECHO: _Hours(DeviceKind.ECHO, 10, 22, _DAY),
    DeviceKind.BLOOD_DRAW: _Hours(DeviceKind.BLOOD_DRAW, 5, 90, _DAY),
    DeviceKind.NUCLEAR: _Hours(DeviceKind.NUCLEAR, 15, 24, _DAY),
    DeviceKind.PET_CT: _Hours(DeviceKind.PET_CT, 30, 10, _DAY),
}

_DEVICE_NAMES = {
    DeviceKind.ULTRASOUND: ("超声", "Ultrasound"),
    DeviceKind.CT: ("CT", "CT"),
    DeviceKind.MRI: ("磁共振", "MRI"),
    DeviceKind.DR: ("DR摄片", "X-ray"),
    DeviceKind.FLUOROSCOPY: ("胃肠造影", "Fluoroscopy"),
    DeviceKind.ENDOSCOPY: ("内镜", "Endoscopy"),
    DeviceKind.ECG: ("心电图", "ECG"),
    DeviceKind.ECHO: ("心超", "Echo"),
    DeviceKind.BLOOD_DRAW: ("采血", "Blood draw"),
    DeviceKind.NUCLEAR: ("核医学", "Nuclear medicine"),
    DeviceKind.PET_CT: ("PET-CT", "PET-CT"),
}


@transaction.atomic
def load_default_catalogue() -> None:
    """Create the default items and rules that are missing; existing rows keep their edits."""
    for item in DEFAULT_ITEMS:
        ExamItem.objects.get_or_create(
            code=item.code,
            defaults={
                "name": item.name,
                "name_en": item.name_en,
                "device_kind": item.kind,
                "duration_minutes": item.minutes,
                "fasting_hours": item.fasting_hours,
                "full_bladder": item.full_bladder,
                "bowel_prep": item.bowel_prep,
                "contrast": item.contrast,
                "sedation": item.sedation,
                "lead_days": item.lead_days,
                "tags": list(item.tags),
                "preparation": item.preparation,
                "preparation_en": item.preparation_en,
            },
        )
    for rule in DEFAULT_RULES:
        ExamRule.objects.get_or_create(
            code=rule.code,
            defaults={
                "kind": rule.kind,
                "first_tag": rule.first,
                "second_tag": rule.second,
                "days": rule.days,
                "minutes": rule.minutes,
                "reason": rule.reason,
                "reason_en": rule.reason_en,
            },
        )


@transaction.atomic
def add_device(institution_id: int, kind: str, number: int) -> Device:
    """A device of `kind` with the default weekly hours (Monday to Saturday)."""
    hours = DEVICE_DEFAULTS[kind]
    name, name_en = _DEVICE_NAMES[kind]
    device, created = Device.objects.get_or_create(
        institution_id=institution_id,
        code=f"{kind.upper()}-{number}",
        defaults={
            "kind": kind,
            "name": f"{name}{number}号机",
            "name_en": f"{name_en} {number}",
            "room": f"{name}{number}室",
            "slot_minutes": hours.slot_minutes,
            "daily_capacity": hours.daily_capacity,
            "has_anaesthetist": kind == DeviceKind.ENDOSCOPY,
        },
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(device=device, weekday=weekday, start_time=start, end_time=end)
            for weekday in range(6)
            for start, end in hours.periods
        )
    return device


@transaction.atomic
def open_calendar(device: Device, first: dt.date, last: dt.date) -> int:
    """Cut the device's opening hours from `first` to `last` into slots; days already open are
    left alone. Returns how many slots were created."""
    hours = list(device.hours.all())
    existing = set(
        DeviceDay.objects.filter(device=device, date__range=(first, last)).values_list(
            "date", flat=True
        )
    )
    slots = []
    day = first
    while day <= last:
        periods = [h for h in hours if h.weekday == day.weekday()]
        if periods and day not in existing:
            device_day = DeviceDay.objects.create(
                device=device, date=day, capacity=device.daily_capacity
            )
            for period in periods:
                slots.extend(_cut(device, device_day, period))
        day += dt.timedelta(days=1)
    DeviceSlot.objects.bulk_create(slots)
    return len(slots)


def _cut(device: Device, device_day: DeviceDay, period: OpeningHours) -> list[DeviceSlot]:
    start = timezone.make_aware(dt.datetime.combine(device_day.date, period.start_time))
    end = timezone.make_aware(dt.datetime.combine(device_day.date, period.end_time))
    step = dt.timedelta(minutes=device.slot_minutes)
    slots = []
    while start + step <= end:
        slots.append(
            DeviceSlot(day=device_day, device=device, starts_at=start, ends_at=start + step)
        )
        start += step
    return slots


def equip_institution(
    institution_id: int, kinds: dict[str, int], first: dt.date, days: int
) -> list[Device]:
    """Give an institution `kinds[kind]` devices of each kind with open calendars."""
    devices = [
        add_device(institution_id, kind, number)
        for kind, count in kinds.items()
        for number in range(1, count + 1)
    ]
    for device in devices:
        open_calendar(device, first, first + dt.timedelta(days=days - 1))
    return devices


def set_travel_time(institution_id: int, other_id: int, minutes: int) -> TravelTime:
    """The minutes between two institutions, either way (back-office data, D127)."""
    low, high = sorted((institution_id, other_id))
    travel, _created = TravelTime.objects.update_or_create(
        institution_id=low, other_institution_id=high, defaults={"minutes": minutes}
    )
    return travel


def default_specs() -> dict[str, ExamSpec]:
    """The default items as the planner sees them, without a database (tests, benchmark)."""
    return {
        item.code: ExamSpec(
            code=item.code,
            name=item.name_en,
            device_kind=item.kind,
            duration=item.minutes,
            tags=frozenset(item.tags)
            | field_tags(
                fasting=bool(item.fasting_hours),
                sedation=item.sedation,
                full_bladder=item.full_bladder,
                contrast=item.contrast,
            ),
            lead_days=item.lead_days,
        )
        for item in DEFAULT_ITEMS
    }


def default_rules() -> list[Rule]:
    return [
        Rule(rule.code, rule.kind, rule.first, rule.second, rule.days, rule.reason_en, rule.minutes)
        for rule in DEFAULT_RULES
    ]


# Demo equipment by level: hospitals have the large equipment primary care books into (R-APPT-8).
_HOSPITAL_DEVICES = {
    DeviceKind.ULTRASOUND: 4,
    DeviceKind.CT: 2,
    DeviceKind.MRI: 1,
    DeviceKind.DR: 2,
    DeviceKind.FLUOROSCOPY: 1,
    DeviceKind.ENDOSCOPY: 2,
    DeviceKind.ECG: 2,
    DeviceKind.ECHO: 1,
    DeviceKind.BLOOD_DRAW: 3,
    DeviceKind.NUCLEAR: 1,
    DeviceKind.PET_CT: 1,
}
_PRIMARY_CARE_DEVICES = {
    DeviceKind.ULTRASOUND: 1,
    DeviceKind.DR: 1,
    DeviceKind.ECG: 1,
    DeviceKind.BLOOD_DRAW: 1,
}


def equip_demo(institutions: Iterable[Institution], first: dt.date, days: int) -> int:
    """The default catalogue and devices with open calendars for the demo consortium; returns
    how many devices were added."""
    load_default_catalogue()
    added = 0
    for institution in institutions:
        hospital = institution.level in (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)
        kinds = _HOSPITAL_DEVICES if hospital else _PRIMARY_CARE_DEVICES
        if institution.level in (InstitutionLevel.COMMUNITY_STATION, InstitutionLevel.ISLAND_HUT):
            continue
        added += len(equip_institution(institution.pk, kinds, first, days))
    return added
