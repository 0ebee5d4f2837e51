"""`aurora-platform:database`: the Aurora cluster, validated before anything is created.

Engine-specific behaviour (parameter group family, TLS parameter, log exports, default port, whether backtrack
exists) lives in one table, `ENGINES`, the way terraform-aws-rds-aurora keeps it in one local: every other module asks
it instead of testing the engine name itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from .database_activity import ActivityStream, parse_activity_stream
from .database_audit import Audit, parse_audit
from .database_backup import AwsBackup, parse_aws_backup
from .database_endpoints import CustomEndpoint, parse_custom_endpoints
from .database_forwarding import WriteForwarding, parse_write_forwarding
from .database_scaling import ReaderAutoScaling, parse_reader_auto_scaling
from .database_sql import LambdaAccess, S3Access, parse_sql_services
from .database_storage import parse_storage_type
from .database_upgrade import parse_allow_major_version_upgrade
from .known import engine_versions, nearest_versions, versions_checked
from .reader import MASK, Problems, Section, show

# ---- engine-specific behaviour, in one place ------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    name: str
    default_version: str
    version_pattern: str
    version_allowed: str
    default_port: int
    # (parameter, value) that makes the engine refuse connections without TLS.
    tls_parameter: tuple[str, str]
    log_exports: tuple[str, ...]
    # Parameters set by default in the cluster parameter group so the exported logs have content.
    default_parameters: tuple[tuple[str, str], ...]
    supports_backtrack: bool
    # The CloudWatch metric that counts client connections, and the proxy's engine family.
    proxy_engine_family: str
    username_max_length: int

    def max_capacity_limit(self, version: str) -> float:
        """The largest Serverless v2 maxCapacity this version takes: 256 on recent versions, 128 on older ones
        (RDS API, ServerlessV2ScalingConfiguration.MaxCapacity). The API names no version; the versions that scale to
        zero (below) came after 256 ACUs, so they surely take it. Anything older is held to 128 here, which may refuse
        a version that would take more: DescribeDBEngineVersions' ServerlessV2FeaturesSupport.MaxCapacity is the
        account's answer (`ops verify --live-facts`)."""
        return SERVERLESS_MAX if self.supports_scale_to_zero(version) else SERVERLESS_MAX_OLDER

    def family(self, version: str) -> str:
        """The parameter group family of an engine version: 16.6 -> aurora-postgresql16, 8.0.x -> aurora-mysql8.0."""
        if self.name == "aurora-postgresql":
            return f"aurora-postgresql{version.split('.')[0]}"
        return f"aurora-mysql{'.'.join(version.split('.')[:2])}"

    def supports_scale_to_zero(self, version: str) -> bool:
        """Serverless v2 with minCapacity 0 (auto-pause) needs PostgreSQL 13.15/14.12/15.7/16.3+ or MySQL 3.08.0+."""
        if self.name == "aurora-postgresql":
            parts = [int(p) for p in version.split(".")] + [0]
            major, minor = parts[0], parts[1]
            minimum = {13: 15, 14: 12, 15: 7, 16: 3}
            return major > 16 or (major in minimum and minor >= minimum[major])
        match = re.search(r"mysql_aurora\.(\d+)\.(\d+)\.(\d+)$", version)
        return bool(match) and tuple(int(g) for g in match.groups()) >= (3, 8, 0)


# The default versions were current when checked (docs/aws-facts.md gives the date); RDS retires minor versions, so
# a default may be gone when a new stack is created: `ops verify --live-facts` reports a deprecated version.
ENGINES: dict[str, Engine] = {
    "aurora-postgresql": Engine(
        name="aurora-postgresql", default_version="16.6",
        version_pattern=r"(1[1-7])\.\d{1,2}",
        version_allowed="an Aurora PostgreSQL version MAJOR.MINOR, major 11 to 17, e.g. \"16.6\"",
        default_port=5432, tls_parameter=("rds.force_ssl", "1"), log_exports=("postgresql",),
        # log_connections/log_disconnections: who connected is the first question after an incident.
        default_parameters=(("log_connections", "1"), ("log_disconnections", "1")),
        # CreateDBCluster.MasterUsername: 1 to 16 for every Aurora engine. RDS for PostgreSQL (CreateDBInstance)
        # takes 63, which is where the old value came from; an Aurora cluster refuses a 17th character.
        supports_backtrack=False, proxy_engine_family="POSTGRESQL", username_max_length=16),
    "aurora-mysql": Engine(
        name="aurora-mysql", default_version="8.0.mysql_aurora.3.08.0",
        version_pattern=r"8\.0\.mysql_aurora\.3\.\d{2}\.\d+",
        version_allowed="an Aurora MySQL 3 version, e.g. \"8.0.mysql_aurora.3.08.0\"",
        default_port=3306, tls_parameter=("require_secure_transport", "ON"),
        log_exports=("audit", "error", "slowquery"),
        # The audit and slow query logs are empty unless the engine is told to write them.
        default_parameters=(("server_audit_logging", "1"), ("server_audit_events", "CONNECT,QUERY_DCL,QUERY_DDL"),
                            ("slow_query_log", "1"), ("long_query_time", "2")),
        supports_backtrack=True, proxy_engine_family="MYSQL", username_max_length=16),
}

# ---- limits ---------------------------------------------------------------------------------------------------------
MAX_READERS = 15
# Secrets Manager RotationRules.AutomaticallyAfterDays: 1 to 1000.
ROTATION_DAYS_MAX = 1000
RETENTION_MIN, RETENTION_MAX = 1, 35
BACKTRACK_MAX_HOURS = 72
SERVERLESS_MIN, SERVERLESS_MAX = 0.0, 256.0
# The most a version older than the "recent" ones takes (ServerlessV2ScalingConfiguration.MaxCapacity).
SERVERLESS_MAX_OLDER = 128.0
AUTO_PAUSE_MIN, AUTO_PAUSE_MAX = 300, 86400
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
PI_RETENTION_DAYS = (7,) + tuple(31 * m for m in range(1, 24)) + (731,)
INSTANCE_CLASS = r"db\.serverless|db\.[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+"
# RDS refuses these words as user or database names (RDS naming constraints).
RESERVED_NAMES = {"rdsadmin", "rdsrepladmin", "rdsproxyadmin", "rds_superuser", "admin", "root", "postgres", "mysql",
                  "template0", "template1", "public", "user", "select", "table"}
EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
KMS_ARN = r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY, MINUTES_PER_WEEK = 24 * 60, 7 * 24 * 60
MIN_WINDOW_MINUTES = 30
PARAMETER_NAME = r"[A-Za-z][A-Za-z0-9_.]*"
IDENTIFIER = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"
# RFC 3339 date-time (section 5.6) with upper-case T and Z, the only letters Go's time.RFC3339 takes; [0-9], as
# \d would take other scripts' digits.
RFC3339_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"


@dataclass(frozen=True)
class Serverless:
    min_capacity: float = 0.5
    max_capacity: float = 4.0
    seconds_until_auto_pause: int = 300


@dataclass(frozen=True)
class Restore:
    """Build this cluster from an old one: a snapshot, or a point in time of a source cluster."""
    snapshot_identifier: str | None = None
    source_cluster_identifier: str | None = None
    restore_to_time: str | None = None
    use_latest_restorable_time: bool = False
    restore_type: str = "full-copy"


@dataclass(frozen=True)
class GlobalDatabase:
    enabled: bool = False
    role: str = "primary"
    identifier: str | None = None


@dataclass(frozen=True)
class Proxy:
    enabled: bool = False
    idle_client_timeout_seconds: int = 1800
    max_connections_percent: int = 90
    reader_endpoint: bool = True
    debug_logging: bool = False
    # True: end-to-end IAM (clients and the proxy use IAM tokens, grant_connect); False: password logins through a
    # Secrets Manager secret of the master user.
    iam_auth: bool = True


@dataclass(frozen=True)
class Alarms:
    cpu_percent: int = 80
    freeable_memory_mb: int = 256
    connections: int = 400
    replica_lag_ms: int = 2000
    serverless_capacity_percent: int = 90


@dataclass(frozen=True)
class DatabaseSettings:
    engine: str = "aurora-postgresql"
    engine_version: str = "16.6"
    database_name: str = "app"
    master_username: str = "dbadmin"
    port: int = 5432
    instance_class: str = "db.r6g.large"
    readers: int = 1
    serverless: Serverless | None = None
    kms_key_arn: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    instance_parameters: dict[str, str] = field(default_factory=dict)
    manage_master_user_password: bool = False
    password_version: int = 1
    backup_retention_days: int = 7
    backup_window: str = "03:00-04:00"
    maintenance_window: str = "sun:05:00-sun:06:00"
    skip_final_snapshot: bool = False
    deletion_protection: bool = True
    protect: bool = False
    backtrack_hours: int = 0
    restore_from: Restore | None = None
    apply_immediately: bool = False
    log_retention_days: int = 365
    performance_insights: bool = True
    performance_insights_retention_days: int = 7
    monitoring_interval: int = 60
    alarm_email: str | None = None
    alarms: Alarms = field(default_factory=Alarms)
    global_database: GlobalDatabase = field(default_factory=GlobalDatabase)
    proxy: Proxy = field(default_factory=Proxy)
    audit: Audit = field(default_factory=Audit)
    custom_endpoints: tuple[CustomEndpoint, ...] = ()
    reader_auto_scaling: ReaderAutoScaling = field(default_factory=ReaderAutoScaling)
    s3_export: S3Access = field(default_factory=S3Access)
    s3_import: S3Access = field(default_factory=lambda: S3Access(prefix="imports/"))
    lambda_invoke: LambdaAccess = field(default_factory=LambdaAccess)
    # Days between rotations of the RDS-managed master password (manageMasterUserPassword); None: RDS's default.
    password_rotation_days: int | None = None
    # The API's storage type ("aurora" or "aurora-iopt1"); None: not set, the cluster keeps what it has.
    storage_type: str | None = None
    activity_stream: ActivityStream = field(default_factory=ActivityStream)
    # Whether an engineVersion change across majors may upgrade in place (AllowMajorVersionUpgrade): components/
    # settings/database_upgrade.py. Off unless the stack says so in production.
    allow_major_version_upgrade: bool = False
    write_forwarding: WriteForwarding = field(default_factory=WriteForwarding)
    aws_backup: AwsBackup = field(default_factory=AwsBackup)

    @property
    def engine_spec(self) -> Engine:
        return ENGINES[self.engine]

    @property
    def family(self) -> str:
        return self.engine_spec.family(self.engine_version)

    @property
    def serverless_v2(self) -> bool:
        return self.instance_class == "db.serverless"

    @property
    def is_secondary(self) -> bool:
        return self.global_database.enabled and self.global_database.role == "secondary"

    @property
    def generates_password(self) -> bool:
        """Whether this stack generates the master password (not RDS-managed, not a global secondary, not restored)."""
        return not self.manage_master_user_password and not self.is_secondary


def cluster_identifier(project: str, stack: str) -> str:
    """`<project>-<stack>` as an RDS identifier: lowercase letters, digits, single hyphens, at most 63 characters.
    The cluster's name (components.aurora); here, because the settings check what it leaves room for."""
    return _identifier_uncut(project, stack)[:63].rstrip("-")


def _identifier_uncut(project: str, stack: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{project}-{stack}".lower()).strip("-")


# The instances are `<cluster>-1` .. `<cluster>-16` (a writer and up to MAX_READERS readers), and RDS allows 63
# characters in an instance identifier as in a cluster's: a longer cluster identifier would be cut short and its
# instances refused at deploy time.
CLUSTER_IDENTIFIER_MAX = 63 - len(f"-{MAX_READERS + 1}")


def _check_stack_name(problems: Problems, project: str, stack: str) -> None:
    identifier = _identifier_uncut(project, stack)
    if len(identifier) > CLUSTER_IDENTIFIER_MAX:
        problems.add_text("stack name", (
            f"{show(stack)} names the cluster {show(identifier)} ({len(identifier)} characters); allowed: a cluster "
            f"identifier of at most {CLUSTER_IDENTIFIER_MAX} characters (its instances add -1 .. -{MAX_READERS + 1} "
            f"and RDS allows 63), so a stack name of at most {CLUSTER_IDENTIFIER_MAX - len(project) - 1} characters"))


# ---- maintenance and backup windows ---------------------------------------------------------------------------------
def parse_daily_window(text: str) -> tuple[int, int] | None:
    """`hh:mm-hh:mm` (UTC) -> (start, end) in minutes of the day; end may be smaller (the window crosses midnight)."""
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", text)
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return h1 * 60 + m1, h2 * 60 + m2


def parse_weekly_window(text: str) -> tuple[int, int] | None:
    """`ddd:hh:mm-ddd:hh:mm` (UTC) -> (start, end) in minutes of the week (Monday 00:00 = 0)."""
    day = "|".join(DAYS)
    match = re.fullmatch(rf"({day}):([01]\d|2[0-3]):([0-5]\d)-({day}):([01]\d|2[0-3]):([0-5]\d)", text.lower())
    if not match:
        return None
    d1, h1, m1, d2, h2, m2 = match.groups()
    return (DAYS.index(d1) * MINUTES_PER_DAY + int(h1) * 60 + int(m1),
            DAYS.index(d2) * MINUTES_PER_DAY + int(h2) * 60 + int(m2))


def window_length(start: int, end: int, period: int) -> int:
    return (end - start) % period


def _intervals(start: int, end: int, period: int) -> list[tuple[int, int]]:
    """A window on a circle of `period` minutes as half-open intervals on [0, period)."""
    if end > start:
        return [(start, end)]
    return [(start, period), (0, end)]


def windows_overlap(backup: tuple[int, int], maintenance: tuple[int, int]) -> bool:
    """Whether the daily backup window meets the weekly maintenance window on any day of the week."""
    weekly_backups = []
    for day in range(7):
        start = day * MINUTES_PER_DAY + backup[0]
        end = start + window_length(*backup, MINUTES_PER_DAY)
        weekly_backups += _intervals(start % MINUTES_PER_WEEK, end % MINUTES_PER_WEEK, MINUTES_PER_WEEK)
    for a_start, a_end in weekly_backups:
        for b_start, b_end in _intervals(*maintenance, MINUTES_PER_WEEK):
            if a_start < b_end and b_start < a_end:
                return True
    return False


# ---- parsing --------------------------------------------------------------------------------------------------------
def _engine_version(section: Section, problems: Problems, engine_name: str, engine: Engine) -> str:
    """The version's shape first, then whether Aurora ever released it (data/aurora-engine-versions.json here): a
    well-formed `16.99` fails only at `pulumi up`, after the network and keys are already created."""
    key = f"{section.key}.engineVersion"
    given = section.raw.get("engineVersion")
    other = [name for name in ENGINES if name != engine_name and isinstance(given, str)
             and re.fullmatch(ENGINES[name].version_pattern, given)]
    hint = f"; {show(given)} is an {other[0]} version (engine is {engine_name})" if other else ""
    version = section.string("engineVersion", engine.default_version, pattern=engine.version_pattern,
                             allowed=engine.version_allowed + f" (for engine {engine_name}){hint}")
    known = engine_versions(engine_name)
    if not section.has("engineVersion") or version == engine.default_version or not known or version in known:
        return version
    if problems.is_secret(key):
        problems.add(key, version, f"an {engine_name} version Aurora has released")
        return engine.default_version
    nearest = nearest_versions(version, known)
    problems.add(key, version, f"a released {engine_name} version (components/settings/data/"
                               f"aurora-engine-versions.json, checked {versions_checked()}; a newer release may "
                               f"need a line there). Did you mean "
                               + " or ".join(show(v) for v in nearest) + "?")
    return engine.default_version


def parse_database(section: Section, problems: Problems, *, production: bool, project: str = "aurora-platform",
                   stack: str = "dev", region: str | None = None) -> DatabaseSettings:
    defaults = DatabaseSettings()
    key = section.key
    engine_name = section.string("engine", defaults.engine, choices=ENGINES)
    engine = ENGINES[engine_name]
    version = _engine_version(section, problems, engine_name, engine)
    database_name = section.string(
        "databaseName", defaults.database_name, pattern=r"[A-Za-z][A-Za-z0-9_]{0,62}",
        check=lambda v: v.lower() not in RESERVED_NAMES,
        allowed="a letter then up to 62 letters, digits or underscores, not a reserved word "
                f"({', '.join(sorted(RESERVED_NAMES))})")
    username_max = engine.username_max_length
    # Underscores: CreateDBCluster.MasterUsername says "letters or numbers", CreateDBInstance (and the Aurora
    # PostgreSQL guide's console text, "alphanumeric") disagree on them; kept, as RDS is documented to take them for
    # instance master users. docs/aws-facts.md lists this as not checkable offline.
    master_username = section.string(
        "masterUsername", defaults.master_username, pattern=rf"[A-Za-z][A-Za-z0-9_]{{0,{username_max - 1}}}",
        check=lambda v: v.lower() not in RESERVED_NAMES,
        allowed=f"a letter then up to {username_max - 1} letters, digits or underscores (engine {engine_name}), "
                f"not a reserved word ({', '.join(sorted(RESERVED_NAMES))})")
    port = section.integer("port", engine.default_port, minimum=1150, maximum=65535)
    instance_class = section.string(
        "instanceClass", defaults.instance_class, pattern=INSTANCE_CLASS,
        allowed="an Aurora DB instance class such as \"db.r6g.large\" or \"db.t4g.medium\", or \"db.serverless\" "
                "(Serverless v2)")
    readers = section.integer("readers", defaults.readers, minimum=0, maximum=MAX_READERS,
                              allowed=f"a whole number from 0 to {MAX_READERS} (Aurora allows one writer and up to "
                                      f"{MAX_READERS} readers)")
    serverless = _serverless(section, problems, instance_class, engine, version)
    # RDS encrypts with a key of the cluster's own region (a global secondary too: each region has its own key).
    kms_key_arn = section.string("kmsKeyArn", None, pattern=KMS_ARN,
                                 check=lambda arn: region is None or arn.split(":")[3] == region,
                                 allowed="the ARN of a customer-managed KMS key"
                                         + (f" in the stack's region {region}" if region else "")
                                         + f", e.g. \"arn:aws:kms:{region or 'us-east-1'}:123456789012:key/<uuid>\"")
    tls_name, tls_value = engine.tls_parameter
    parameters = _parameters(section, "parameters", tls_name, tls_value)
    instance_parameters = _parameters(section, "instanceParameters", tls_name, tls_value)
    manage_password = section.boolean("manageMasterUserPassword", defaults.manage_master_user_password)
    password_version = section.integer("passwordVersion", defaults.password_version, minimum=1,
                                       allowed="a whole number of at least 1; raise it to generate and set a new "
                                               "master password")

    retention = section.integer("backupRetentionDays", defaults.backup_retention_days, minimum=RETENTION_MIN,
                                maximum=RETENTION_MAX,
                                allowed=f"a whole number of days from {RETENTION_MIN} to {RETENTION_MAX} "
                                        f"(Aurora always keeps at least one day of continuous backups)")
    backup_window, maintenance_window = _windows(section, problems, defaults)
    skip_final_snapshot = section.boolean("skipFinalSnapshot", defaults.skip_final_snapshot)
    deletion_protection = section.boolean("deletionProtection", defaults.deletion_protection)
    protect = section.boolean("protect", production)
    backtrack = section.integer("backtrackHours", 0, minimum=0, maximum=BACKTRACK_MAX_HOURS,
                                allowed=f"a whole number of hours from 0 to {BACKTRACK_MAX_HOURS} (0 turns backtrack "
                                        f"off)")
    if backtrack and not engine.supports_backtrack:
        given, on = (MASK, MASK) if problems.is_secret(key) else (backtrack, engine_name)
        problems.add_text(f"{key}.backtrackHours",
                          f"got {given} with engine {on}; backtrack exists only for aurora-mysql, so on {on} it must "
                          f"be 0 or unset. Aurora supports backtrack for MySQL only; use point-in-time restore "
                          f"(restoreFrom.restoreToTime) to go back in time on PostgreSQL")
        backtrack = 0
    restore = _restore(section, problems)
    apply_immediately = section.boolean("applyImmediately", defaults.apply_immediately)
    log_retention = section.log_retention_days("logRetentionDays", defaults.log_retention_days)
    performance_insights = section.boolean("performanceInsights", defaults.performance_insights)
    pi_retention = section.integer(
        "performanceInsightsRetentionDays", defaults.performance_insights_retention_days, one_of=PI_RETENTION_DAYS,
        allowed="7 (free tier), a multiple of 31 up to 713, or 731")
    monitoring_interval = section.integer(
        "monitoringInterval", defaults.monitoring_interval, one_of=MONITORING_INTERVALS,
        allowed="one of " + ", ".join(map(str, MONITORING_INTERVALS)) + " seconds (enhanced monitoring is always on)")
    alarm_email = section.string("alarmEmail", None, pattern=EMAIL, allowed="an email address")
    alarms = _alarms(section.section("alarms"))
    global_database = _global(section, problems, project, stack)
    proxy = _proxy(section.section("proxy"), readers, production)
    audit = parse_audit(section, engine_name, production, parameters)
    _check_stack_name(problems, project, stack)
    custom_endpoints = parse_custom_endpoints(section, readers, cluster_identifier(project, stack))
    reader_auto_scaling = parse_reader_auto_scaling(section, readers)
    s3_export, s3_import, lambda_invoke = parse_sql_services(section, engine_name)
    storage_type = parse_storage_type(section, engine_name, version)
    activity_stream = parse_activity_stream(section, engine_name, instance_class)
    allow_major_version_upgrade = parse_allow_major_version_upgrade(section, production)
    write_forwarding = parse_write_forwarding(
        section, engine=engine_name, version=version, secondary=global_database.enabled
        and global_database.role == "secondary", readers=readers, reader_scaling=reader_auto_scaling.enabled,
        proxy=proxy.enabled, parameters=parameters)
    aws_backup = parse_aws_backup(section, production, region)
    rotation_days = section.integer("passwordRotationDays", 0, minimum=1, maximum=ROTATION_DAYS_MAX,
                                    allowed=f"a whole number of days from 1 to {ROTATION_DAYS_MAX} between rotations "
                                            f"of the RDS-managed master password") or None
    if section.has("passwordRotationDays") and not manage_password:
        problems.add_text(f"{key}.passwordRotationDays",
                          "applies only with manageMasterUserPassword: true (RDS rotates the password it keeps in "
                          "Secrets Manager); the generated password rotates when passwordVersion is raised")
    section.finish()

    # Cross-field rules: valid alone, wrong together.
    if global_database.enabled and global_database.role == "secondary":
        for name, given in (("restoreFrom", restore), ("manageMasterUserPassword", manage_password or None)):
            if given is not None:
                problems.add_text(f"{key}.{name}", f"cannot be set on a global database secondary "
                                                   f"({key}.global.role: secondary); the secondary takes its data and "
                                                   f"credentials from the primary cluster")
        if section.has("databaseName"):
            problems.add_text(f"{key}.databaseName", "cannot be set on a global database secondary; the database "
                                                     "comes from the primary cluster")
        if proxy.enabled:
            problems.add_text(f"{key}.proxy.enabled", "a proxy on a global database secondary is not supported here: "
                                                      "this stack holds no credentials for the cluster")
    if serverless is not None and serverless.min_capacity == 0 and global_database.enabled:
        # Accepted by AWS but never paused: Aurora does not auto-pause a global database's cluster (AWS, Scaling to
        # zero ACUs with automatic pause and resume).
        problems.add_text(f"{key}.serverless.minCapacity",
                          f"0 (auto-pause) with {key}.global.enabled: true; Aurora Serverless v2 does not pause in a "
                          f"global database, so the cluster would never pause; allowed: a minCapacity of at least "
                          f"0.5, or global.enabled false")
    if global_database.enabled and backtrack:
        problems.add_text(f"{key}.backtrackHours", f"got {MASK if problems.is_secret(key) else backtrack} with "
                                                   f"{key}.global.enabled: true; Aurora global databases do not "
                                                   f"support backtrack")

    return DatabaseSettings(
        engine=engine_name, engine_version=version, database_name=database_name, master_username=master_username,
        port=port, instance_class=instance_class, readers=readers, serverless=serverless, kms_key_arn=kms_key_arn,
        parameters=parameters, instance_parameters=instance_parameters, manage_master_user_password=manage_password,
        password_version=password_version, backup_retention_days=retention, backup_window=backup_window,
        maintenance_window=maintenance_window,
        skip_final_snapshot=skip_final_snapshot, deletion_protection=deletion_protection, protect=protect,
        backtrack_hours=backtrack, restore_from=restore, apply_immediately=apply_immediately,
        log_retention_days=log_retention, performance_insights=performance_insights,
        performance_insights_retention_days=pi_retention, monitoring_interval=monitoring_interval,
        alarm_email=alarm_email, alarms=alarms, global_database=global_database, proxy=proxy,
        audit=audit, custom_endpoints=custom_endpoints, reader_auto_scaling=reader_auto_scaling,
        s3_export=s3_export, s3_import=s3_import, lambda_invoke=lambda_invoke,
        password_rotation_days=rotation_days, storage_type=storage_type,
        activity_stream=activity_stream, allow_major_version_upgrade=allow_major_version_upgrade,
        write_forwarding=write_forwarding, aws_backup=aws_backup)


def _serverless(section: Section, problems: Problems, instance_class: str, engine: Engine,
                version: str) -> Serverless | None:
    sub = section.section("serverless")
    if instance_class != "db.serverless":
        if sub.raw:
            problems.add_text(sub.key, f"is only used with instanceClass \"db.serverless\" (Serverless v2); "
                                       f"instanceClass is "
                                       f"{problems.shown(f'{section.key}.instanceClass', instance_class)}")
            sub.used.update(sub.raw)
        return None
    defaults = Serverless()
    minimum = sub.number("minCapacity", defaults.min_capacity, minimum=SERVERLESS_MIN, maximum=SERVERLESS_MAX,
                         step=0.5, allowed="0 to 256 ACUs in steps of 0.5 (0 lets the cluster pause when idle)")
    maximum = sub.number("maxCapacity", defaults.max_capacity, minimum=1.0, maximum=SERVERLESS_MAX, step=0.5,
                         allowed="1 to 256 ACUs in steps of 0.5, at least minCapacity")
    pause = sub.integer("secondsUntilAutoPause", defaults.seconds_until_auto_pause, minimum=AUTO_PAUSE_MIN,
                        maximum=AUTO_PAUSE_MAX,
                        allowed=f"{AUTO_PAUSE_MIN} to {AUTO_PAUSE_MAX} seconds (only with minCapacity 0)")
    sub.finish()

    def capacity(value: float) -> str:
        return MASK if problems.is_secret(sub.key) else f"{value:g}"

    if maximum < minimum:
        problems.add_text(f"{sub.key}.maxCapacity", f"got {capacity(maximum)}, less than minCapacity "
                                                    f"{capacity(minimum)}; "
                                                    f"allowed: at least minCapacity")
    if sub.has("secondsUntilAutoPause") and minimum != 0:
        problems.add_text(f"{sub.key}.secondsUntilAutoPause",
                          f"only applies when minCapacity is 0 (auto-pause); minCapacity is "
                          f"{capacity(minimum)}")
    limit = engine.max_capacity_limit(version)
    if maximum > limit:
        problems.add_text(f"{sub.key}.maxCapacity",
                          f"got {capacity(maximum)} with engineVersion "
                          f"{problems.shown(f'{section.key}.engineVersion', version)}; Aurora takes more than "
                          f"{SERVERLESS_MAX_OLDER:g} ACUs only on recent versions (here: Aurora PostgreSQL 13.15, "
                          f"14.12, 15.7, 16.3 or later, Aurora MySQL 3.08.0 or later); allowed: at most {limit:g}, or "
                          f"a newer engineVersion")
    if minimum == 0 and not engine.supports_scale_to_zero(version):
        problems.add_text(f"{sub.key}.minCapacity",
                          f"0 (auto-pause) needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or later, or Aurora MySQL "
                          f"3.08.0 or later; engineVersion is "
                          f"{problems.shown(f'{section.key}.engineVersion', version)}")
    return Serverless(min_capacity=minimum, max_capacity=maximum, seconds_until_auto_pause=pause)


def _parameters(section: Section, name: str, tls_name: str, tls_value: str) -> dict[str, str]:
    value = section.raw_value(name)
    key = f"{section.key}.{name}"
    if value is None:
        return {}
    if not isinstance(value, dict):
        section.problems.add(key, value, "a mapping of parameter name to value, e.g. {log_min_duration_statement: 500}")
        return {}
    good: dict[str, str] = {}
    for parameter, raw in value.items():
        item_key = f"{key}.{parameter}"
        if not re.fullmatch(PARAMETER_NAME, str(parameter)):
            section.problems.add_text(item_key, f"the name {show(parameter)} is not allowed; allowed: a parameter name "
                                                f"(letters, digits, '_' and '.')")
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            section.problems.add(item_key, raw, "a string or number (parameter values are text in RDS)")
            continue
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        if parameter == tls_name and text.lower() not in (tls_value.lower(), "1"):
            section.problems.add_text(item_key, f"got {section.problems.shown(item_key, raw)}; {tls_name} is always "
                                                f"{tls_value}: the cluster "
                                                f"accepts TLS connections only, in every stack")
            continue
        good[str(parameter)] = text
    return good


def _windows(section: Section, problems: Problems, defaults: DatabaseSettings) -> tuple[str, str]:
    key = section.key

    def length(window: tuple[int, int], period: int) -> str:
        # Worked out from the window as given: a secret window's length is not shown either.
        return MASK if problems.is_secret(key) else str(window_length(*window, period))

    backup = section.string("backupWindow", defaults.backup_window)
    maintenance = section.string("maintenanceWindow", defaults.maintenance_window)
    backup_parsed = parse_daily_window(backup)
    maintenance_parsed = parse_weekly_window(maintenance)
    ok = True
    if backup_parsed is None:
        problems.add(f"{key}.backupWindow", backup, "a daily UTC window \"hh:mm-hh:mm\" of at least 30 minutes, "
                                                    "e.g. \"03:00-04:00\"")
        ok = False
    elif window_length(*backup_parsed, MINUTES_PER_DAY) < MIN_WINDOW_MINUTES:
        problems.add(f"{key}.backupWindow", backup, f"a window of at least {MIN_WINDOW_MINUTES} minutes (this one "
                                                    f"is {length(backup_parsed, MINUTES_PER_DAY)})")
        ok = False
    if maintenance_parsed is None:
        problems.add(f"{key}.maintenanceWindow", maintenance,
                     "a weekly UTC window \"ddd:hh:mm-ddd:hh:mm\" of at least 30 minutes (ddd: mon, tue, wed, thu, "
                     "fri, sat, sun), e.g. \"sun:05:00-sun:06:00\"")
        ok = False
    elif window_length(*maintenance_parsed, MINUTES_PER_WEEK) < MIN_WINDOW_MINUTES:
        problems.add(f"{key}.maintenanceWindow", maintenance,
                     f"a window of at least {MIN_WINDOW_MINUTES} minutes (this one is "
                     f"{length(maintenance_parsed, MINUTES_PER_WEEK)})")
        ok = False
    if ok and windows_overlap(backup_parsed, maintenance_parsed):
        problems.add_text(f"{key}.backupWindow", f"{problems.shown(f'{key}.backupWindow', backup)} overlaps "
                                                 f"maintenanceWindow "
                                                 f"{problems.shown(f'{key}.maintenanceWindow', maintenance)}; "
                                                 f"allowed: a backup window that does not meet the maintenance "
                                                 f"window on any day (times are UTC)")
    return backup, maintenance.lower()


def _valid_time(text: str) -> bool:
    """An RFC 3339 time as the provider parses restoreToTime (Go's time.RFC3339): the shape first, as
    datetime.fromisoformat takes far more (no seconds, week dates, no separators, any character for the T); then
    the calendar (no 30 February, no hour 24)."""
    if not re.fullmatch(RFC3339_TIME, text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _restore(section: Section, problems: Problems) -> Restore | None:
    if not section.has("restoreFrom"):
        section.used.add("restoreFrom")
        return None
    sub = section.section("restoreFrom")
    snapshot = sub.string("snapshotIdentifier", None, pattern=r"[A-Za-z][A-Za-z0-9-]{0,254}|arn:aws[a-z-]*:rds:.+",
                          allowed="a cluster snapshot identifier or ARN")
    source = sub.string("sourceClusterIdentifier", None, pattern=r"[A-Za-z][A-Za-z0-9-]{0,62}|arn:aws[a-z-]*:rds:.+",
                        allowed="the identifier or ARN of the cluster to restore from")
    to_time = sub.string("restoreToTime", None, check=_valid_time,
                         allowed="an RFC 3339 UTC time, e.g. \"2026-11-20T08:45:00Z\"")
    latest = sub.boolean("useLatestRestorableTime", False)
    restore_type = sub.string("restoreType", "full-copy", choices=("full-copy", "copy-on-write"))
    sub.finish()
    forms = "either {snapshotIdentifier} or {sourceClusterIdentifier with restoreToTime or useLatestRestorableTime}"
    if snapshot and (source or to_time or latest):
        problems.add_text(sub.key, f"sets a snapshot and a point in time; allowed: {forms}")
    elif not sub.has("snapshotIdentifier") and not sub.has("sourceClusterIdentifier"):
        problems.add_text(sub.key, f"names nothing to restore from; allowed: {forms}")
    elif source and bool(sub.has("restoreToTime")) == bool(latest):
        problems.add_text(sub.key, f"needs exactly one of restoreToTime or useLatestRestorableTime: true with "
                                   f"sourceClusterIdentifier; allowed: {forms}")
    if not snapshot and not source:
        return None
    return Restore(snapshot_identifier=snapshot, source_cluster_identifier=source, restore_to_time=to_time,
                   use_latest_restorable_time=latest, restore_type=restore_type)


def _global(section: Section, problems: Problems, project: str, stack: str) -> GlobalDatabase:
    sub = section.section("global")
    enabled = sub.boolean("enabled", False)
    role = sub.string("role", "primary", choices=("primary", "secondary"))
    identifier = sub.string("identifier", None, pattern=IDENTIFIER,
                            allowed="a global cluster identifier: lowercase letters, digits and single hyphens, "
                                    "starting with a letter")
    sub.finish()
    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets role or identifier but not enabled: true")
        return GlobalDatabase()
    if role == "secondary" and not identifier:
        problems.add_text(f"{sub.key}.identifier", "is required with role: secondary (the identifier of the global "
                                                   "cluster to join, as exported by the primary stack)")
    return GlobalDatabase(enabled=True, role=role, identifier=identifier or f"{project}-{stack}")


def _proxy(sub: Section, readers: int, production: bool) -> Proxy:
    defaults = Proxy()
    enabled = sub.boolean("enabled", defaults.enabled)
    idle = sub.integer("idleClientTimeoutSeconds", defaults.idle_client_timeout_seconds, minimum=1, maximum=28800)
    max_percent = sub.integer("maxConnectionsPercent", defaults.max_connections_percent, minimum=1, maximum=100)
    reader = sub.boolean("readerEndpoint", defaults.reader_endpoint)
    debug = sub.boolean("debugLogging", defaults.debug_logging)
    iam_auth = sub.boolean("iamAuth", defaults.iam_auth)
    sub.finish()
    if debug and production:
        # The proxy then logs SQL statements, with the data in them, to CloudWatch: a debugging aid, not for prod.
        sub.problems.add(f"{sub.key}.debugLogging", True, "false in production: debug logging writes SQL statements, "
                                                           "and the data in them, to the proxy's logs")
    if enabled and reader and readers == 0 and sub.has("readerEndpoint"):
        sub.problems.add_text(f"{sub.key}.readerEndpoint", "needs at least one reader (readers is 0); set readers "
                                                           "or readerEndpoint: false")
    return Proxy(enabled=enabled, idle_client_timeout_seconds=idle, max_connections_percent=max_percent,
                 reader_endpoint=reader and enabled and readers > 0, debug_logging=debug, iam_auth=iam_auth)


def _alarms(sub: Section) -> Alarms:
    defaults = Alarms()
    alarms = Alarms(
        cpu_percent=sub.integer("cpuPercent", defaults.cpu_percent, minimum=1, maximum=100),
        freeable_memory_mb=sub.integer("freeableMemoryMb", defaults.freeable_memory_mb, minimum=1),
        connections=sub.integer("connections", defaults.connections, minimum=1),
        replica_lag_ms=sub.integer("replicaLagMs", defaults.replica_lag_ms, minimum=1),
        serverless_capacity_percent=sub.integer("serverlessCapacityPercent", defaults.serverless_capacity_percent,
                                                minimum=1, maximum=100),
    )
    sub.finish()
    return alarms
