//! The `civic` command line (CONTRACT.md, "Binary and commands").

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use civic::{
    config::Config,
    db::{Db, PoolOptions},
    tenancy::service::{self as tenancy, NewTenant},
};

/// glibc's allocator makes threads wait on its arena locks under load; mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "civic", version, about = "Multi-tenant GraphQL service for massage centres and water utilities")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API (pending migrations first).
    Serve {
        /// Load the demo tenants on first start and print their credentials.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate,
    /// Load data.
    Seed {
        #[command(subcommand)]
        what: Seed,
    },
    /// Print the GraphQL SDL.
    Schema,
    /// Onboard or remove tenants.
    Tenant {
        #[command(subcommand)]
        action: TenantCommand,
    },
}

#[derive(Subcommand)]
enum Seed {
    /// The demo tenants: a Beijing blind-massage centre and a Shanghai water utility.
    Demo,
    /// Volume data for load tests: tenants `load-0001` … with shops over Beijing.
    Volume {
        /// How many tenants: `load-0001` … (those that exist are kept as they are).
        #[arg(long, default_value_t = 100)]
        tenants: u32,
        /// Shops of each new tenant.
        #[arg(long, default_value_t = 200)]
        shops_per_tenant: u32,
        /// Also write session tokens of 5 synthetic consumers of each load-test tenant to FILE (lines
        /// `slug<TAB>token`, mode 0600), for the load test's bookings (`loadtest --consumer-tokens FILE`). They
        /// are valid for 24 hours and only on a server with the same CIVIC_SECRET_KEY (in development: the same
        /// CIVIC_DATA_DIR).
        #[arg(long, value_name = "FILE")]
        consumer_tokens: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant and print its API key once.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        template: String,
        /// Mark it as a load-test tenant.
        #[arg(long)]
        load_test: bool,
    },
    /// Delete a tenant and all its data.
    Purge {
        #[arg(long)]
        slug: String,
    },
}

fn init_tracing(config: &Config) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    if config.is_production() {
        fmt().json().with_current_span(true).with_env_filter(filter).init();
    } else {
        fmt().with_env_filter(filter).init();
    }
}

fn env_secs(name: &str, default: u64) -> Duration {
    Duration::from_secs(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", civic::app::schema::sdl());
        return Ok(());
    }
    let config = Config::from_env()?;
    init_tracing(&config);
    match cli.command {
        Command::Schema => unreachable!("handled above"),
        Command::Migrate => {
            civic::migrate(&config).await?;
            println!("migrations are up to date");
        }
        Command::Serve { demo } => {
            civic::migrate(&config).await?;
            let listener = civic::listen(config.bind)?;
            let state = civic::app::state(config).await?;
            civic::check_service_role(&state).await?;
            let demo_tenants = if demo { civic::seed::demo(&state).await? } else { vec![] };
            let addr = listener.local_addr()?;
            tracing::info!(%addr, database = if state.config.is_postgres() { "postgres" } else { "sqlite" },
                cache = state.cache.kind(), "civic is listening");
            if !state.config.is_production() {
                println!("civic: GraphQL and GraphiQL at http://{addr}/graphql");
                for slug in &demo_tenants {
                    println!("civic: the WeChat H5 pages of {slug} at http://{addr}/h5/{slug}/");
                }
                println!("civic: the admin console at http://{addr}/admin/ (sign in with an account printed above)");
                println!(
                    "civic: the platform operator signs in at http://{addr}/admin/login/platform with the platform token"
                );
            }
            let drain = env_secs("CIVIC_SHUTDOWN_DRAIN_SECS", 0);
            let grace = env_secs("CIVIC_SHUTDOWN_GRACE_SECS", 20);
            civic::serve(state, listener, civic::shutdown_signal(), drain, grace).await?;
        }
        Command::Seed { what: Seed::Demo } => {
            civic::migrate(&config).await?;
            civic::seed::demo(&civic::app::state(config).await?).await?;
        }
        Command::Seed { what: Seed::Volume { tenants, shops_per_tenant, consumer_tokens } } => {
            civic::migrate(&config).await?;
            let state = civic::app::state(config).await?;
            civic::seed::volume::volume(&state, tenants, shops_per_tenant, consumer_tokens.as_deref()).await?;
        }
        Command::Tenant { action: TenantCommand::Create { slug, name, template, load_test } } => {
            civic::migrate(&config).await?;
            let state = civic::app::state(config).await?;
            let (tenant, key) = tenancy::create(
                &state,
                NewTenant { slug: &slug, name: &name, template: &template, is_load_test: load_test },
            )
            .await
            .map_err(anyhow::Error::from)?;
            println!("tenant {} created (id {})", tenant.slug, tenant.id);
            println!("API key (shown once): {key}");
        }
        Command::Tenant { action: TenantCommand::Purge { slug } } => {
            let admin = Db::connect(
                config.database_admin_url.expose_secret(),
                PoolOptions { max_connections: 2, min_connections: 0 },
            )
            .await
            .context("cannot connect as the owner (DATABASE_ADMIN_URL)")?;
            let tenant = tenancy::purge(&admin, &slug).await.map_err(anyhow::Error::from)?;
            // Then what lives outside the database: images (ID photos among them) and search documents.
            let media = match civic::infra::media::MediaStore::s3_from_env()? {
                Some(s3) => s3,
                None => civic::infra::media::MediaStore::local(&config.data_dir.join("media"))?,
            };
            let files = media.delete_tenant(tenant.0).await?;
            if let Some(url) = &config.meili_url {
                let key = config.meili_api_key.as_ref().map(|k| k.expose_secret().to_owned());
                civic::infra::meili::Meili::new(url, key.as_deref(), &config.meili_index)?
                    .delete_tenant(tenant.0)
                    .await?;
            }
            println!("tenant {slug} and all its data deleted ({files} stored files)");
        }
    }
    Ok(())
}
