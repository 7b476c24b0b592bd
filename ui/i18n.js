// The UI's words in Chinese (first) and English. Status words and explanations come from the
// core in both languages; everything else is here.

const words = {
  app_title: ["养老服务人才目标监测", "Elder-Care Workforce Targets"],
  skip: ["跳到正文", "Skip to content"],
  nav_overview: ["总览", "Overview"],
  nav_region: ["地区", "Region"],
  nav_target: ["目标", "Target"],
  nav_import: ["导入", "Import"],
  nav_reports: ["报表", "Reports"],
  nav_catalog: ["目标库", "Catalog"],
  as_of: ["评估日期", "As of"],
  language: ["English", "中文"],
  larger: ["放大字号", "Larger text"],
  loading: ["正在加载…", "Loading…"],
  seeding: ["首次启动：正在载入演示数据", "First start: loading demonstration data"],
  demo_banner: [
    "当前显示的是演示数据（示例报表），不是真实统计。",
    "You are looking at demonstration data (sample returns), not real statistics.",
  ],
  remove_demo: ["删除演示数据", "Remove demonstration data"],
  demo_removed: ["已删除演示数据（{n} 个文件）。", "Demonstration data removed ({n} files)."],
  confirm_remove_demo: ["确定删除全部演示数据？真实导入的数据不受影响。", "Remove all demonstration data? Real imports are kept."],
  cancel: ["取消", "Cancel"],
  error: ["出错了", "Something went wrong"],
  err_not_found: ["找不到所请求的内容。", "What was asked for does not exist."],
  err_invalid_input: ["输入有误。", "The input is not valid."],
  err_database: ["数据库出错。", "The database failed."],
  err_database_too_new: ["数据库来自更新版本的 Carestaff。", "The database comes from a newer Carestaff."],
  err_io: ["文件无法读取或写入。", "A file could not be read or written."],
  err_internal: ["程序内部错误。", "Internal error."],

  // Overview
  overview_title: ["总览：各地区目标进展", "Overview: progress by jurisdiction"],
  scorecard: ["目标进展记分卡", "Scorecard"],
  jurisdiction: ["地区", "Jurisdiction"],
  counts: ["按颜色统计", "Counts by colour"],
  green: ["绿色（已达成/按进度）", "Green (achieved / on track)"],
  amber: ["黄色（需加快）", "Amber (needs acceleration)"],
  red: ["红色（滞后/背离/未达成）", "Red (off track / moving away / missed)"],
  grey: ["灰色（无数据/数据不足）", "Grey (no or insufficient data)"],
  turned_red: ["上季度末以来转为红色", "Turned red since the end of last quarter"],
  turned_red_none: ["没有目标在此期间转为红色。", "No target turned red in that time."],
  was: ["此前", "before"],
  period_used: ["使用数据截至", "Data up to"],
  since: ["对比时点", "Compared with"],

  // Region
  region_title: ["地区", "Region"],
  choose_region: ["选择地区", "Choose a region"],
  parent: ["上级", "Parent"],
  region_targets: ["适用目标", "Targets that apply"],
  target: ["目标", "Target"],
  status: ["状态", "Status"],
  latest: ["最新值", "Latest"],
  goal: ["目标值", "Goal"],
  deadline: ["期限", "Deadline"],
  period: ["报告期", "Period"],
  ranking: ["下级地区排名", "Children ranked"],
  rank_by: ["排名指标", "Rank by"],
  rank: ["名次", "Rank"],
  value: ["数值", "Value"],
  missing: ["本季度未报送的下级地区", "Children whose return for the quarter is missing"],
  incomplete: ["已报送但缺少指标", "Reported, but some metrics are missing"],
  missing_metrics: ["缺少的指标", "Missing metrics"],
  missing_none: ["全部下级地区均已报送。", "Every child region has reported."],
  no_children: ["该地区没有下级地区。", "This region has no child regions."],

  // Target
  target_title: ["目标详情", "Target"],
  choose_target: ["选择目标", "Choose a target"],
  explanation: ["状态说明", "Why this status"],
  pace_needed: ["仍需进度", "Pace still needed"],
  per_quarter: ["每季度", "per quarter"],
  quarters_left: ["剩余季度", "quarters left"],
  pace_ratio: ["进度比", "Pace ratio"],
  trend: ["趋势", "Trend"],
  series_table: ["数据表", "The figures"],
  chart_target: ["图表目标", "Target to chart"],
  expected: ["按进度应达", "Expected"],
  source: ["政策依据", "Source"],
  document: ["文件", "Document"],
  clause: ["条款", "Clause"],
  quote: ["原文", "Exact words"],
  interpretation_flag: ["是否解读", "Interpretation?"],
  interpretation: ["解读（非原文直接规定）", "Interpretation (not literally in the text)"],
  not_interpretation: ["否：原文直接规定", "No: stated literally in the text"],
  inherited: ["承接自", "Inherited from"],
  children_status: ["各下级地区", "Each child region"],
  sources: ["数值及来源文件", "Values and the files they came from"],
  region_col: ["地区", "Region"],
  metric: ["指标", "Metric"],
  file: ["文件", "File"],
  cell: ["位置", "Cell"],
  imported_at: ["导入时间", "Imported"],
  current: ["当前", "Current"],
  superseded: ["已被替代", "Superseded"],
  no_values: ["尚无数值。", "No values yet."],

  // Import
  import_title: ["导入季度报表", "Import quarterly returns"],
  pick: ["选择文件…", "Choose files…"],
  drop_here: ["或把 Excel / ODS / CSV 文件拖到这里", "or drop Excel / ODS / CSV files here"],
  test_path: ["测试用文件路径", "Test file path"],
  add: ["添加", "Add"],
  pending: ["待导入文件", "Files to import"],
  none_yet: ["尚未选择文件。", "No files chosen yet."],
  remove: ["移除", "Remove"],
  period_override: ["报告期（文件未注明时）", "Period (when the file does not say)"],
  preview: ["预览（不写入）", "Preview (writes nothing)"],
  commit: ["确认导入", "Confirm import"],
  clear: ["清空", "Clear"],
  outcome_imported: ["将导入", "will be imported"],
  outcome_imported_done: ["已导入", "imported"],
  outcome_unchanged: ["无变化", "unchanged"],
  outcome_rejected: ["已拒绝，数据库未改动", "rejected, nothing changed"],
  new: ["新增", "new"],
  changed: ["变更", "changed"],
  unchanged: ["未变", "unchanged"],
  errors: ["错误（整个文件被拒绝）", "Errors (the whole file is rejected)"],
  warnings: ["提示（不影响导入）", "Warnings (do not block)"],
  sheet: ["工作表", "Sheet"],
  message: ["说明", "Message"],
  change: ["变化", "Change"],
  previous: ["原值", "Previous"],
  more_rows: ["另有 {n} 行未显示", "{n} more rows not shown"],
  fix_errors: ["请先修正错误的文件或将其移除，再确认导入。", "Fix or remove the rejected files before confirming."],
  imported_ok: ["导入完成。", "Import finished."],
  history: ["导入记录", "Import history"],
  by: ["导入人", "By"],
  values_count: ["数值数", "Values"],
  changed_count: ["新增或变更", "New or changed"],
  demo: ["演示", "demo"],
  working: ["处理中", "Working"],

  // Reports
  reports_title: ["报表导出", "Reports"],
  reports_none: [
    "此版本尚不能导出报表：合规报告、填报模板和图表导出功能完成后会出现在这里。",
    "This build cannot export yet: the compliance report, fill-in templates and chart images appear here once available.",
  ],
  export_report: ["导出合规报告（Excel）", "Export the compliance report (Excel)"],
  export_template: ["导出填报模板（Excel）", "Export the fill-in template (Excel)"],
  export_chart_png: ["导出目标图表（PNG）", "Export target charts (PNG)"],
  template_hint: ["（先选择一个地区：模板供其下级地区填报）", "(choose a region first: the template is for its children)"],
  saved_to: ["已保存到", "Saved to"],
  region_for_export: ["地区", "Region"],
  all_regions: ["全部地区", "All jurisdictions"],

  // Catalog
  catalog_title: ["目标库", "Target catalog"],
  local: ["本地", "local"],
  enabled: ["启用", "on"],
  disabled: ["停用", "off"],
  switch_on: ["启用", "Switch on"],
  switch_off: ["停用", "Switch off"],
  add_local: ["添加本地目标（内置文件以外）", "Add a local target (from a document not in the catalog)"],
  f_id: ["编号", "Id"],
  f_document_title: ["文件名称", "Document title"],
  f_document_number: ["文号", "Document number"],
  f_clause: ["条款", "Clause"],
  f_quote: ["原文", "Exact words"],
  f_region: ["地区代码（6位）", "Region code (6 digits)"],
  f_label_zh: ["中文名称", "Chinese name"],
  f_label_en: ["英文名称", "English name"],
  f_metric: ["指标", "Metric"],
  f_comparator: ["比较", "Comparator"],
  f_goal: ["目标值", "Goal"],
  f_deadline: ["期限（空白为长期要求）", "Deadline (empty: standing)"],
  save: ["保存", "Save"],
  saved: ["已保存。", "Saved."],
  standing: ["长期", "standing"],
  annual: ["每年", "annual"],
  each_child: ["每个下级地区", "each child region"],
};

let lang = "zh";

export function setLang(l) {
  lang = l === "en" ? "en" : "zh";
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

export function getLang() {
  return lang;
}

export function t(key, vars = {}) {
  const pair = words[key];
  let s = pair ? pair[lang === "zh" ? 0 : 1] : key;
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

// Picks the Chinese or English member of an object: pick(x, "label") → x.label_zh / x.label_en.
export function pick(obj, base) {
  return obj[`${base}_${lang}`] ?? obj[`${base}_zh`] ?? "";
}
