//! The demo's customers: organizations with their archive, contacts, systems and contracts,
//! and the service company's staff.

use super::*;

// ------------------------------------------------------------------ directory

/// What a demo system is, so that requests about it make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sys {
    Sso,
    Academic,
    His,
    Pacs,
    Oracle,
    Portal,
    Video,
    Firewall,
    Switch,
    Storage,
    Cloud,
    Business,
    Backup,
    /// Any system of the organization.
    Any,
    /// About the service itself, no system.
    NoSystem,
}

impl Sys {
    /// Watched by monitoring, whose alerts open requests by themselves.
    pub(super) fn monitored(self) -> bool {
        matches!(
            self,
            Sys::Oracle | Sys::Firewall | Sys::Switch | Sys::Storage | Sys::Cloud | Sys::Backup
        )
    }
}

pub(super) struct ContactSeed {
    pub(super) name: &'static str,
    pub(super) login: &'static str,
    pub(super) job_title: &'static str,
}

pub(super) struct SystemSeed {
    pub(super) sys: Sys,
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    pub(super) description: &'static str,
    pub(super) location: &'static str,
    pub(super) hardware: bool,
}

pub(super) struct OrgSeed {
    pub(super) name: &'static str,
    pub(super) short_name: &'static str,
    /// Mail domain of its people (under the reserved `.example` top-level domain).
    pub(super) domain: &'static str,
    pub(super) industry: &'static str,
    pub(super) address: &'static str,
    pub(super) phone: &'static str,
    pub(super) profile: &'static str,
    pub(super) support_needs: &'static str,
    pub(super) notes: &'static str,
    pub(super) contacts: &'static [ContactSeed],
    pub(super) systems: &'static [SystemSeed],
    /// Acceptance date: this many months (and days) before today.
    pub(super) accepted_months_ago: i64,
    pub(super) accepted_days_offset: i64,
    pub(super) vip: bool,
    /// Index into [`POLICIES`].
    pub(super) policy: usize,
    /// Index of the project leader.
    pub(super) leader: usize,
    /// How many requests it tends to raise.
    pub(super) weight: u32,
}

pub(super) const fn contact(
    name: &'static str,
    login: &'static str,
    job_title: &'static str,
) -> ContactSeed {
    ContactSeed {
        name,
        login,
        job_title,
    }
}

pub(super) const fn system(
    sys: Sys,
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    location: &'static str,
) -> SystemSeed {
    SystemSeed {
        sys,
        name,
        kind,
        description,
        location,
        hardware: matches!(kind.as_bytes(), b"server" | b"device" | b"network"),
    }
}

/// (name, description, auto-close after).
pub(super) const POLICIES: &[(&str, &str, i64)] = &[
    (
        "levels-0-5",
        "故障级别0–5（服务方案1.1.6/1.1.7）：0级 1个工作日内恢复，工作日2小时内远程/电话响应，需现场时2个工作日内到场；1级 24小时内恢复，2小时内响应，现场24小时内；2级 4小时内恢复，30分钟内响应，现场2小时内；3级 2小时内恢复，15分钟内响应，现场2小时内；4级 4小时内恢复（硬件故障），2小时内到达现场；5级 启动灾难恢复，尽最大努力并立即上报。响应时间除特别指明为工作时间外均按自然时间（7×24）计算。",
        3 * DAY,
    ),
    (
        "three-grades",
        "三级响应（服务方案1.1.5）：1级（全部用户无法使用、系统或网络瘫痪）第一时间响应、24小时内解决；2级（部分用户或个别班级无法正常操作，或有瘫痪风险）30分钟内响应、36小时内解决；3级（单个用户受影响）30分钟内响应、48小时内解决。",
        3 * DAY,
    ),
    (
        "vendor-vip",
        "厂商VIP：云厂商工单10分钟内应答，7×24小时受理；邮件当日回复；厂商侧故障报告12小时内提交；用户1天内未反馈即自动关闭。",
        DAY,
    ),
];

pub(super) const AGENTS: &[(&str, &str)] = &[
    ("李娜", "li.na"),
    ("王芳", "wang.fang"),
    ("张敏", "zhang.min"),
    ("刘洋", "liu.yang"),
    ("陈静", "chen.jing"),
    ("杨帆", "yang.fan"),
];
pub(super) const L2_ENGINEERS: &[(&str, &str)] = &[
    ("张伟", "zhang.wei"),
    ("王磊", "wang.lei"),
    ("赵强", "zhao.qiang"),
    ("孙涛", "sun.tao"),
];
pub(super) const FIELD_ENGINEERS: &[(&str, &str)] = &[("周杰", "zhou.jie"), ("吴昊", "wu.hao")];
pub(super) const LEADERS: &[(&str, &str)] = &[("王建国", "wang.jianguo"), ("陈立新", "chen.lixin")];
pub(super) const STAFF_DOMAIN: &str = "fuwu-service.example";

/// A third-party vendor whose engineers work some requests in the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Vendor {
    Cloud,
    Storage,
}

impl Vendor {
    pub(super) fn company(self) -> &'static str {
        match self {
            Vendor::Cloud => "百川云",
            Vendor::Storage => "恒储存储",
        }
    }
    pub(super) fn case_prefix(self) -> &'static str {
        match self {
            Vendor::Cloud => "BCE",
            Vendor::Storage => "HCS",
        }
    }
}

pub(super) static ORGS: &[OrgSeed] = &[
    OrgSeed {
        name: "北京市西城区教育委员会",
        short_name: "西城区教委",
        domain: "xcjw.edu.example",
        industry: "教育",
        address: "北京市西城区文华胡同 18 号",
        phone: "010-66015832",
        profile: "区级教育行政主管部门。信息中心负责全区 96 所中小学、幼儿园的教育信息化建设与运行，机房位于区教委办公楼 3 层。本项目覆盖统一身份认证平台、教育资源公共服务平台、视频会议系统和教育城域网出口防火墙。",
        support_needs: "开学季（2 月底、9 月初）账号开通和登录咨询集中，需要加强一线电话支持；全区视频会议前需提前 1 小时联调；中高考等重要时段需要现场值守。",
        notes: "甲方系统负责人：信息中心主任赵立群。每月最后一个周五进行电话工作总结。",
        contacts: &[
            contact("赵立群", "zhao.liqun", "信息中心主任"),
            contact("孙晓燕", "sun.xiaoyan", "信息中心网络管理员"),
            contact("马俊", "ma.jun", "教育资源科科员"),
        ],
        systems: &[
            system(
                Sys::Sso,
                "统一身份认证平台",
                "software",
                "为全区师生提供统一登录，已对接教务、资源、办公等 23 个应用，双节点部署。",
                "区教委信息中心机房",
            ),
            system(
                Sys::Portal,
                "西城教育资源公共服务平台",
                "software",
                "面向全区师生的教学资源门户，日均访问约 3 万人次。",
                "区教委信息中心机房",
            ),
            system(
                Sys::Video,
                "视频会议系统",
                "device",
                "主会场 MCU 1 台，分会场终端 58 台，覆盖全区中小学。",
                "区教委 5 层会议室及各校分会场",
            ),
            system(
                Sys::Firewall,
                "教育城域网出口防火墙",
                "network",
                "双机热备，承担城域网互联网出口访问控制和入侵防御。",
                "区教委信息中心机房 A03 机柜",
            ),
        ],
        accepted_months_ago: 14,
        accepted_days_offset: 9,
        vip: false,
        policy: 1,
        leader: 0,
        weight: 9,
    },
    OrgSeed {
        name: "北京市德外实验中学",
        short_name: "德外实验中学",
        domain: "dwsyzx.edu.example",
        industry: "教育",
        address: "北京市西城区新康街 7 号",
        phone: "010-62013577",
        profile: "完全中学，初高中共 48 个教学班、学生约 2100 人、教职工 230 人。教务管理系统和校园一卡通于三年多前验收上线，已过两年免费运维期，现按成本收费提供运维服务。",
        support_needs: "期中、期末考试前后成绩录入集中；走班选课开放日需要重点保障；一卡通与门禁联动故障要求当天处理。",
        notes: "质保期外：工时与更换材料按成本计费，每季度与总务处结算一次。",
        contacts: &[
            contact("钱文博", "qian.wenbo", "信息技术中心主任"),
            contact("周雨欣", "zhou.yuxin", "教务处干事"),
        ],
        systems: &[
            system(
                Sys::Academic,
                "教务管理系统",
                "software",
                "排课、选课、成绩、学籍异动管理，师生约 2300 个账号。",
                "学校信息中心机房",
            ),
            system(
                Sys::Business,
                "校园一卡通系统",
                "software",
                "食堂消费、门禁、图书借阅一卡通，含 3 台圈存机。",
                "学校信息中心机房",
            ),
            system(
                Sys::Video,
                "录播教室及视频会议系统",
                "device",
                "2 间录播教室和 1 套视频会议终端，可接入区教委视频会议。",
                "学校综合楼 4 层",
            ),
        ],
        accepted_months_ago: 38,
        accepted_days_offset: 3,
        vip: false,
        policy: 1,
        leader: 0,
        weight: 6,
    },
    OrgSeed {
        name: "江滨大学",
        short_name: "江滨大学",
        domain: "jbu.edu.example",
        industry: "高等教育",
        address: "江滨市高新区学府路 88 号",
        phone: "0531-88362100",
        profile: "省属综合性大学，全日制在校生约 2.6 万人。网络与信息中心负责校园网、统一身份认证、本科教务管理系统和校园私有云平台的运行，私有云底层由百川云提供技术支持。",
        support_needs: "每学期第 1 周选课高并发需重点保障；统一身份认证已对接 30 余个业务系统，新系统接入需求频繁；私有云底层问题需转百川云并登记厂商案例号。",
        notes: "网络与信息中心值班电话 7×24 小时有人值守。",
        contacts: &[
            contact("郭志远", "guo.zhiyuan", "网络与信息中心副主任"),
            contact("林晓", "lin.xiao", "网络与信息中心工程师"),
            contact("何佳怡", "he.jiayi", "教务处科员"),
            contact("沈浩", "shen.hao", "教务处副处长"),
        ],
        systems: &[
            system(
                Sys::Academic,
                "本科教务管理系统",
                "software",
                "本科生培养方案、排课选课、成绩与考务管理，高峰并发约 8000。",
                "网络与信息中心主机房",
            ),
            system(
                Sys::Sso,
                "统一身份认证平台",
                "software",
                "全校统一身份认证与单点登录，已对接 32 个业务系统。",
                "网络与信息中心主机房",
            ),
            system(
                Sys::Switch,
                "校园网核心交换机",
                "network",
                "两台核心交换机堆叠，承载全校有线与无线汇聚。",
                "网络与信息中心主机房 B 列",
            ),
            system(
                Sys::Cloud,
                "校园私有云平台",
                "cloud",
                "基于百川云专有云的计算与存储资源池，承载 120 余台云主机。",
                "网络与信息中心主机房",
            ),
        ],
        accepted_months_ago: 10,
        accepted_days_offset: 17,
        vip: false,
        policy: 1,
        leader: 1,
        weight: 12,
    },
    OrgSeed {
        name: "江滨市教育局",
        short_name: "市教育局",
        domain: "jbjy.gov.example",
        industry: "教育",
        address: "江滨市人民路 156 号",
        phone: "0531-86910233",
        profile: "市级教育行政部门。电教馆负责全市中小学学籍管理系统、江滨教育网和教育系统视频会议系统的建设与运行。",
        support_needs: "学籍系统每年 9 月新生注册、6 月毕业审核为高峰；视频会议覆盖 11 个区县教育局，重要会议提前一天申请保障。",
        notes: "电教馆为本项目的甲方对接部门。",
        contacts: &[
            contact("韩东", "han.dong", "电教馆馆长"),
            contact("曹丽", "cao.li", "电教馆技术员"),
        ],
        systems: &[
            system(
                Sys::Academic,
                "中小学学籍管理系统",
                "software",
                "全市约 46 万名中小学生的学籍注册、转学、毕业管理。",
                "市教育局数据中心",
            ),
            system(
                Sys::Portal,
                "江滨教育网",
                "software",
                "市教育局门户网站，发布政策文件、招生信息。",
                "市教育局数据中心",
            ),
            system(
                Sys::Video,
                "教育系统视频会议系统",
                "device",
                "市局主会场及 11 个区县分会场。",
                "市教育局 8 层会议中心",
            ),
        ],
        accepted_months_ago: 18,
        accepted_days_offset: 5,
        vip: false,
        policy: 1,
        leader: 1,
        weight: 7,
    },
    OrgSeed {
        name: "江滨市人民医院",
        short_name: "市人民医院",
        domain: "jbrmyy.example",
        industry: "医疗卫生",
        address: "江滨市解放路 301 号",
        phone: "0531-86201120",
        profile: "三级甲等综合医院，开放床位 1500 张，日均门急诊量约 6000 人次。HIS、PACS 运行在 Oracle RAC 双节点集群与存储阵列上，7×24 小时不间断运行。",
        support_needs: "工作日 8:00–11:30 门急诊高峰期间，任何影响挂号收费的故障按严重故障处理；医保接口故障需同时通知医保办；存储硬件故障由恒储存储原厂支持。",
        notes: "VIP 客户：项目负责人每季度到院检查服务工作；严重故障须在解决后 2 个工作日内提交故障报告。",
        contacts: &[
            contact("宋立军", "song.lijun", "信息科科长"),
            contact("许婷", "xu.ting", "信息科工程师"),
            contact("邓辉", "deng.hui", "门诊部主任"),
            contact("韦红", "wei.hong", "医保办主任"),
        ],
        systems: &[
            system(
                Sys::His,
                "HIS 医院信息系统",
                "software",
                "门急诊挂号收费、住院、药房、医保结算，终端约 900 台。",
                "医院信息中心机房",
            ),
            system(
                Sys::Pacs,
                "PACS 影像归档与通信系统",
                "software",
                "CT、MR、DR 等 23 台设备影像归档与调阅，在线影像约 180TB。",
                "医院信息中心机房",
            ),
            system(
                Sys::Oracle,
                "核心数据库服务器 Oracle RAC",
                "server",
                "两节点 Oracle 19c RAC，承载 HIS 与 PACS 数据库。",
                "医院信息中心机房 C01–C02 机柜",
            ),
            system(
                Sys::Storage,
                "存储阵列",
                "device",
                "双控制器 SAN 存储，可用容量 320TB，恒储存储原厂维保。",
                "医院信息中心机房 C03 机柜",
            ),
        ],
        accepted_months_ago: 8,
        accepted_days_offset: 12,
        vip: true,
        policy: 0,
        leader: 1,
        weight: 14,
    },
    OrgSeed {
        name: "北京市西城区德胜社区卫生服务中心",
        short_name: "德胜社区卫生服务中心",
        domain: "dssq.example",
        industry: "医疗卫生",
        address: "北京市西城区六铺炕北小街 21 号",
        phone: "010-62371046",
        profile: "社区卫生服务中心，下设 6 个社区卫生服务站，使用社区卫生 HIS 系统和家庭医生签约服务系统。项目验收已超过三年，现为质保期外有偿服务。",
        support_needs: "信息管理员仅 1 人，需要更多电话指导；每年 4–6 月家庭医生签约高峰。",
        notes: "质保期外按成本收费，现场服务需提前一天预约。",
        contacts: &[
            contact("冯秀兰", "feng.xiulan", "办公室主任"),
            contact("蒋鹏", "jiang.peng", "信息管理员"),
        ],
        systems: &[
            system(
                Sys::His,
                "社区卫生 HIS 系统",
                "software",
                "门诊挂号收费、药房、慢病管理，中心及 6 个服务站共用。",
                "中心 2 层机房",
            ),
            system(
                Sys::Business,
                "家庭医生签约服务系统",
                "software",
                "家庭医生签约、履约记录和随访管理，对接区卫健委平台。",
                "中心 2 层机房",
            ),
        ],
        accepted_months_ago: 38,
        accepted_days_offset: 20,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 5,
    },
    OrgSeed {
        name: "北京市西城区政务服务管理局",
        short_name: "西城区政务服务局",
        domain: "xczwfw.gov.example",
        industry: "政府",
        address: "北京市西城区西直门南小街 35 号",
        phone: "010-88064570",
        profile: "负责全区政务服务事项的网上办理。网上办事大厅对接统一身份认证平台，业务部署在政务云主机上（百川云提供云资源），互联网出口由防火墙防护。",
        support_needs: "对外服务系统故障直接影响群众办事，按严重故障从快处理；12345 热线转办的系统问题需当日反馈。",
        notes: "网络安全等级保护三级系统，变更须提前三个工作日报备。",
        contacts: &[
            contact("谢明", "xie.ming", "信息化科科长"),
            contact("唐颖", "tang.ying", "信息化科科员"),
            contact("罗斌", "luo.bin", "综合窗口负责人"),
        ],
        systems: &[
            system(
                Sys::Portal,
                "政务服务网上办事大厅",
                "software",
                "全区 1200 余项政务服务事项网上申报、查询与评价。",
                "政务云（业务区）",
            ),
            system(
                Sys::Sso,
                "统一身份认证平台",
                "software",
                "政务服务统一身份认证，对接市级自然人与法人认证。",
                "政务云（业务区）",
            ),
            system(
                Sys::Cloud,
                "政务云主机（业务区）",
                "cloud",
                "政务云上 18 台云主机，承载办事大厅应用与数据库。",
                "百川云政务云",
            ),
            system(
                Sys::Firewall,
                "互联网出口防火墙",
                "network",
                "双机热备，开启入侵防御与 WAF 模块。",
                "区政务服务中心机房",
            ),
        ],
        accepted_months_ago: 12,
        accepted_days_offset: 2,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 10,
    },
    OrgSeed {
        name: "江滨市不动产登记中心",
        short_name: "不动产登记中心",
        domain: "jbbdc.gov.example",
        industry: "政府",
        address: "江滨市建设北路 66 号",
        phone: "0531-86117790",
        profile: "负责全市不动产登记业务，日均办件约 800 件。不动产登记业务系统运行于 Oracle RAC 集群，数据存放在存储阵列上并由备份一体机每日备份。项目验收已满两年左右。",
        support_needs: "登记窗口 8:30–17:00 办件，窗口期内故障需 15 分钟内响应；每季度进行一次备份恢复演练。",
        notes: "免费运维期近期到期，到期后的服务按合同约定以成本价收费。",
        contacts: &[
            contact("彭涛", "peng.tao", "信息科科长"),
            contact("袁静", "yuan.jing", "登记窗口负责人"),
        ],
        systems: &[
            system(
                Sys::Business,
                "不动产登记业务系统",
                "software",
                "登记受理、审核、缮证、发证全流程，窗口终端 60 台。",
                "中心机房",
            ),
            system(
                Sys::Oracle,
                "核心数据库服务器 Oracle RAC",
                "server",
                "两节点 Oracle 19c RAC，存放全部登记簿数据。",
                "中心机房 2 号机柜",
            ),
            system(
                Sys::Storage,
                "存储阵列",
                "device",
                "双控制器存储，可用容量 96TB，存放数据库与扫描件。",
                "中心机房 3 号机柜",
            ),
            system(
                Sys::Backup,
                "备份一体机",
                "device",
                "每日数据库全备与扫描件增量备份，保留 30 天。",
                "中心机房 4 号机柜",
            ),
        ],
        accepted_months_ago: 26,
        accepted_days_offset: 0,
        vip: false,
        policy: 0,
        leader: 1,
        weight: 10,
    },
    OrgSeed {
        name: "江滨市人力资源和社会保障局",
        short_name: "市人社局",
        domain: "jbrs.gov.example",
        industry: "政府",
        address: "江滨市府前街 12 号",
        phone: "0531-86033188",
        profile: "社会保险经办系统服务全市约 120 万参保人，人社门户网站提供政策发布与在线查询，业务部署在政务云主机上。",
        support_needs: "每月 1–10 日社保缴费高峰；与省级平台的数据接口需要重点监控。",
        notes: "省平台接口变更由省厅统一通知，收到通知后需及时评估影响。",
        contacts: &[
            contact("潘志刚", "pan.zhigang", "信息中心主任"),
            contact("董欣", "dong.xin", "信息中心工程师"),
        ],
        systems: &[
            system(
                Sys::Business,
                "社会保险经办系统",
                "software",
                "参保登记、缴费核定、待遇发放，与省级平台实时交换数据。",
                "政务云（社保业务区）",
            ),
            system(
                Sys::Portal,
                "江滨人社门户网站",
                "software",
                "政策发布、办事指南与个人社保查询。",
                "政务云（社保业务区）",
            ),
            system(
                Sys::Cloud,
                "政务云主机（社保业务区）",
                "cloud",
                "政务云上 12 台云主机，承载社保经办与门户应用。",
                "百川云政务云",
            ),
        ],
        accepted_months_ago: 15,
        accepted_days_offset: 8,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 9,
    },
    OrgSeed {
        name: "江滨市档案馆",
        short_name: "市档案馆",
        domain: "jbdag.gov.example",
        industry: "政府",
        address: "江滨市文昌路 9 号",
        phone: "0531-86550317",
        profile: "市级综合档案馆，馆藏数字化档案约 2400 万页。数字档案管理系统、档案数据存储阵列和备份一体机于三年多前验收，现为质保期外有偿服务。",
        support_needs: "数字化加工期间存储扩容需求较多；备份数据需异地保存并定期验证可恢复。",
        notes: "质保期外，工时和材料按成本收费；现场作业需档案馆人员陪同。",
        contacts: &[
            contact("贾敏", "jia.min", "技术保护部主任"),
            contact("夏雪", "xia.xue", "档案数字化专员"),
        ],
        systems: &[
            system(
                Sys::Business,
                "数字档案管理系统",
                "software",
                "档案著录、数字化成果管理与利用查询。",
                "档案馆 1 层机房",
            ),
            system(
                Sys::Storage,
                "档案数据存储阵列",
                "device",
                "可用容量 600TB，存放档案数字化成果。",
                "档案馆 1 层机房",
            ),
            system(
                Sys::Backup,
                "备份一体机",
                "device",
                "数据库每日备份，数字化成果每周备份并异地复制。",
                "档案馆 1 层机房",
            ),
        ],
        accepted_months_ago: 40,
        accepted_days_offset: 11,
        vip: false,
        policy: 0,
        leader: 1,
        weight: 5,
    },
    OrgSeed {
        name: "江滨农村商业银行城东支行",
        short_name: "江滨农商行城东支行",
        domain: "jbrcb.example",
        industry: "金融",
        address: "江滨市东环路 208 号",
        phone: "0531-86772015",
        profile: "下辖 4 个营业网点。柜面业务系统由总行统一部署，本项目负责支行柜面业务系统终端侧、网点核心交换机及备份一体机的运维。",
        support_needs: "营业时间（8:30–17:00）网点网络中断按最高优先级处理；所有变更须在营业时间外进行并经总行科技部审批。",
        notes: "现场操作需支行科技专员陪同并在机房登记簿签字。",
        contacts: &[
            contact("蔡俊", "cai.jun", "支行科技专员"),
            contact("吕娟", "lv.juan", "运营主管"),
        ],
        systems: &[
            system(
                Sys::Business,
                "柜面业务系统",
                "software",
                "支行 4 个网点 26 个柜员终端，总行集中部署。",
                "支行机房",
            ),
            system(
                Sys::Switch,
                "网点核心交换机",
                "network",
                "支行核心交换机双机，上联总行专线。",
                "支行机房 1 号机柜",
            ),
            system(
                Sys::Backup,
                "备份一体机",
                "device",
                "网点前置数据与影像资料每日备份。",
                "支行机房 2 号机柜",
            ),
        ],
        accepted_months_ago: 6,
        accepted_days_offset: 14,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 6,
    },
    OrgSeed {
        name: "江滨日报社传媒集团",
        short_name: "江滨日报传媒集团",
        domain: "jbrb.example",
        industry: "新闻传媒",
        address: "江滨市新华路 1 号",
        phone: "0531-86088800",
        profile: "市属媒体集团，运营江滨日报、江滨新闻网和新闻客户端。融媒体采编发布系统 7×24 小时运行，客户端后台部署在百川云云主机上，媒资存储阵列容量 800TB。",
        support_needs: "重大新闻事件和晚间出版时段（20:00–24:00）需要 7×24 小时快速响应；直播活动需提前报备并安排值守。",
        notes: "VIP 客户，适用厂商VIP服务策略（10 分钟应答）。",
        contacts: &[
            contact("程亮", "cheng.liang", "技术部主任"),
            contact("魏倩", "wei.qian", "新媒体中心编辑"),
            contact("田宇", "tian.yu", "技术部系统管理员"),
        ],
        systems: &[
            system(
                Sys::Business,
                "融媒体采编发布系统",
                "software",
                "报纸、网站、客户端一体化采编与发布，编辑记者约 350 人。",
                "集团数据中心",
            ),
            system(
                Sys::Portal,
                "江滨新闻网",
                "software",
                "集团新闻门户网站，日均 PV 约 120 万。",
                "集团数据中心",
            ),
            system(
                Sys::Cloud,
                "新闻客户端云主机集群",
                "cloud",
                "百川云上 16 台云主机，承载新闻客户端接口与推送服务。",
                "百川云公有云",
            ),
            system(
                Sys::Storage,
                "媒资存储阵列",
                "device",
                "图片、视频媒资存储，可用容量 800TB。",
                "集团数据中心",
            ),
        ],
        accepted_months_ago: 9,
        accepted_days_offset: 4,
        vip: true,
        policy: 2,
        leader: 1,
        weight: 9,
    },
];
