"""Word lists for the synthetic directory: business areas, qualifiers, places, people."""
from __future__ import annotations


def _split(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


DOMAINS = _split("""
Payroll, Benefits, Pension, Expenses, Travel, Travel & Expenses, Procurement, Vendor Management,
Supplier Onboarding, Invoices, Accounts Payable, Accounts Receivable, Billing, Collections, Treasury,
Tax, VAT, Internal Audit, Compliance, Risk Management, Insurance, Legal, Contracts,
Mergers & Acquisitions, Investor Relations, Equity, Stock Options, Bonus, Commissions, Compensation,
Performance Reviews, Promotions, Headcount, Recruiting, Interviews, Referrals, Employee Onboarding,
Offboarding, Internships, Graduate Hiring, Relocation, Immigration, Visas, Learning & Development,
Mentoring, Wellbeing, Employee Assistance, Diversity & Inclusion, Volunteering, Sustainability,
Carbon Reporting, Health & Safety, Facilities, Real Estate, Office Moves, Fleet, Company Cars,
Laptops, Phones, Mobile Devices, Printers, VPN, Wifi, Email, Calendar, SSO, Identity,
Access Requests, Passwords, MFA, Device Management, Software Licenses, SaaS Tools, Slack, Zoom,
Jira, Confluence, GitHub, Continuous Integration, Build Systems, Code Review, Release Management,
Deployments, Kubernetes, Terraform, Cloud Costs, AWS, Azure, GCP, Networking, DNS, CDN, Firewalls,
Load Balancers, Databases, PostgreSQL, Data Warehouse, Data Lake, ETL, Business Intelligence,
Product Analytics, Metrics, Experimentation, Security, Incident Response, Vulnerability Management,
Penetration Testing, Phishing, Endpoint Security, Encryption, Key Management, Secrets, Certificates,
SOC 2, ISO 27001, PCI, GDPR, HIPAA, Privacy, Data Retention, Backups, Disaster Recovery,
Business Continuity, Monitoring, Observability, Logging, Search, Recommendations, Checkout,
Shopping Cart, Payments, Payment Gateway, Fraud Detection, Chargebacks, Refunds, Pricing, Discounts,
Coupons, Gift Cards, Loyalty, Rewards, Subscriptions, Churn, Retention, Notifications,
Push Notifications, SMS, Email Campaigns, Newsletter, SEO, Paid Ads, Social Media, Brand,
Design System, UX Research, Accessibility, Localization, Translations, Developer Portal, Public API,
SDKs, Webhooks, Partner Portal, Marketplace, Affiliates, Resellers, Customer Support, Ticketing,
Live Chat, Call Center, Customer Success, Account Management, Enterprise Sales, Sales Operations,
CRM, Salesforce, HubSpot, Quotes, Proposals, RFPs, Product Demos, Free Trials, Events, Webinars,
Trade Shows, Press, Public Relations, Internal Comms, Intranet, Knowledge Base, Wiki, OKRs,
Product Roadmap, User Feedback, NPS, Surveys, Beta Program, Quality Assurance, Test Automation,
Performance Testing, Mobile App, iOS App, Android App, Web App, Inventory, Warehouse, Shipping,
Returns, Customs, Fulfillment, Logistics, Supply Chain, Manufacturing, Warranty, Field Service,
Spare Parts, Catalog, Product Data, ERP, SAP, Workday, NetSuite, Coupa, Concur, Okta, ServiceNow,
Zendesk, Tableau, Looker, Snowflake, Databricks, Kafka, Airflow, Redis, Elasticsearch
""")

FUNCTIONS = _split("""
Operations, Reporting, Approvals, Policy, Requests, Support, Tooling, Platform, Integration,
Migration, Audits, Escalations, Forecasting, Reconciliation, Training, Budget, Analytics, Dashboards,
Provisioning, Licensing, Incidents, Runbooks, Strategy, Governance, Pipeline, Automation, Exceptions,
Disputes, Planning, Rollout, Documentation, Templates, Invoicing, Communications, Controls,
Data Quality, Alerts, Configuration, Permissions, Renewals, Questions, Process, Review, Onboarding,
Vendors, Roadmap, Access, Compliance
""")

AUDIENCES = _split("""
Contractors, Interns, New Hires, Managers, Executives, Remote Employees, Engineers, Sales Reps,
Customers, Partners, Students, Freelancers, Temps, Board Members, Retirees, Expats, Part-Timers,
Field Staff, Store Staff, Drivers, Warehouse Staff, Call Center Agents, Consultants, Alumni
""")

QUALIFIERS = _split("""
Internal, Customer, Enterprise, Partner, Legacy, Global, Regional, Corporate, Retail, Wholesale,
SMB, Public Sector, Healthcare, Education, Mid-Market, B2B, B2C, Self-Serve, Premium, Free Tier
""")

REGIONS = _split("""
EMEA, APAC, LATAM, North America, US, UK, Germany, France, Spain, Italy, Netherlands, Nordics,
Poland, Ireland, India, Japan, Singapore, Australia, Brazil, Mexico, Canada, China, Korea, Israel,
UAE, South Africa, Switzerland, Austria, Belgium, Portugal, Argentina, Chile, Colombia, Turkey,
Egypt, Nigeria, Kenya, Philippines, Vietnam, Indonesia, Thailand, New Zealand, Czechia, Romania
""")

PRODUCTS = _split("""
Atlas, Beacon, Cobalt, Dynamo, Ember, Falcon, Granite, Harbor, Iris, Juniper, Keystone, Lumen,
Meridian, Nimbus, Orion, Pioneer, Quartz, Redwood, Sierra, Titan, Umbra, Vertex, Willow, Xenon,
Yukon, Zephyr, Apex, Bolt, Cascade, Delta, Echo, Fjord, Glacier, Horizon, Indigo, Jasper, Kestrel,
Lighthouse, Monarch, Nova, Onyx, Polaris, Quasar, Raven, Summit, Tundra, Unity, Vanguard, Zenith,
Aurora, Borealis, Comet, Driftwood, Evergreen, Firefly, Gemini, Helix, Ironwood, Jetstream, Kodiak,
Lynx, Mosaic, Nebula, Obsidian, Prism, Sequoia, Sparrow, Trident, Voyager, Wildfire, Basalt,
Canyon, Dune, Mistral, Sirocco, Tempest, Solstice, Equinox, Meteor
""")

COMPONENTS = _split("""
API, Mobile App, Web App, Billing, Checkout, Search, Notifications, Admin Console, Data Pipeline,
Reporting, Auth, Permissions, Integrations, SDK, Webhooks, Release, Infrastructure, Database,
Frontend, Backend, Onboarding Flow, Pricing, Localization, Analytics, Dashboards, Alerts, Exports,
Imports, Sync, Scheduler, Workflows, Templates, Plugins, Marketplace, Documentation, Status Page,
Incident Response, On-Call, Load Testing, Design, Roadmap, Beta, Migration, Storage, Cache, Queue,
Gateway, Telemetry, Audit Log, Feature Flags
""")

SITES = _split("""
Berlin, London, Dublin, Madrid, Paris, Austin, Toronto, Bangalore, Tokyo, Sydney, Seattle, Boston,
Chicago, Denver, Lisbon, Warsaw, Prague, Zurich, Munich, Amsterdam, Stockholm, Oslo, Helsinki,
Copenhagen, Barcelona, Milan, Vienna, Brussels, Edinburgh, Manchester, New York, San Francisco,
Los Angeles, Atlanta, Miami, Dallas, Vancouver, Montreal, Sao Paulo, Buenos Aires, Santiago,
Bogota, Mumbai, Pune, Hyderabad, Shanghai, Shenzhen, Seoul, Osaka, Melbourne, Auckland, Dubai,
Tel Aviv, Cape Town, Nairobi, Lagos, Cairo, Istanbul, Athens, Budapest
""")

FACILITIES = _split("""
Parking, Badges, Reception, Mail Room, Cafeteria, Cleaning, Furniture, Meeting Rooms, Printers,
Wifi, Lockers, Bike Storage, First Aid, Fire Safety, Visitor Access, Security Desk,
Air Conditioning, Lease, Shuttle, Gym, Kitchen, Deliveries, Desk Booking, Plants, Lost & Found,
Quiet Rooms, Lactation Room, Event Space, Signage, Keys
""")

# Alias material: common abbreviations and synonyms, by whole word or phrase.
ABBREVIATIONS = {
    "Operations": "Ops", "Management": "Mgmt", "Documentation": "Docs", "Infrastructure": "Infra",
    "Configuration": "Config", "Communications": "Comms", "Reconciliation": "Recon",
    "Development": "Dev", "Permissions": "Perms", "Procurement": "Purchasing", "Requests": "Tickets",
    "Incidents": "Outages", "Approvals": "Sign-off", "Policy": "Guidelines", "Reporting": "Reports",
    "Recruiting": "Talent Acquisition", "Customer": "Client", "Automation": "Automations",
    "Questions": "FAQ", "Analytics": "Insights", "Escalations": "Escalation Path",
    "Governance": "Oversight", "Rollout": "Launch", "Budget": "Spend", "Training": "Courses",
    "Notifications": "Alerts Service", "Internal Comms": "Employee Comms", "Wifi": "Wireless",
    "Business Intelligence": "BI", "Continuous Integration": "CI", "Human Resources": "HR",
}

REGION_SYNONYMS = {
    "EMEA": "Europe", "APAC": "Asia Pacific", "LATAM": "Latin America", "North America": "NA",
    "US": "United States", "UK": "United Kingdom", "UAE": "Emirates", "Nordics": "Scandinavia",
    "Netherlands": "Holland", "Czechia": "Czech Republic", "Korea": "South Korea",
    "Germany": "DACH", "New Zealand": "NZ", "South Africa": "SA",
}

TEAM_WORDS = ["Team", "Desk", "Group", "Crew", "Squad", "Hub"]

# Everyday words that share nothing with the directory: questions about these name nobody.
UNRELATED = _split("""
banana, saxophone, walrus, trampoline, kettle, origami, marmalade, cactus, harmonica, penguin,
spaghetti, tornado, lullaby, pineapple, hammock, kangaroo, meatball, porcupine, zucchini,
accordion, avalanche, bagpipe, bathtub, blueberry, broccoli, butterfly, camel, carousel,
cauliflower, chameleon, chandelier, cheesecake, chimney, chipmunk, cinnamon, clarinet, coconut,
crocodile, cupcake, daffodil, dandelion, dinosaur, doughnut, dragonfly, dumpling, eggplant,
elephant, flamingo, gazebo, gingerbread, goldfish, gorilla, grapefruit, hamster, hedgehog,
hippopotamus, iceberg, jellyfish, kaleidoscope, koala, ladybug, lasagna, lemonade, lobster, mango,
marshmallow, meadow, mermaid, mushroom, nectarine, noodle, octopus, ostrich, pajamas, papaya,
parrot, peacock, pelican, pickle, pinecone, pistachio, platypus, pomegranate, popcorn, pretzel,
pumpkin, raccoon, raspberry, rhubarb, sandcastle, scarecrow, seahorse, snowman, squirrel,
strawberry, sunflower, tambourine, tangerine, teapot, toucan, tortoise, trombone, tulip, turnip,
ukulele, unicorn, volcano, waffle, watermelon, wombat, xylophone, zebra, acorn, anchovy, armadillo,
avocado, biscuit, bonfire, burrito, buttercup, caramel, cherry, clover, croissant, custard, dolphin,
fiddle, gnome, gumdrop, igloo, jigsaw, lantern, lemur, llama, macaroni, mitten, moose, nutmeg,
oyster, paprika, pebble, puffin, quiche, radish, sardine, sombrero, teacup, thimble, truffle,
walnut, yogurt
""")

FIRST_NAMES = _split("""
Aisha, Alejandro, Alice, Amara, Amir, Ana, Andrea, Arjun, Astrid, Ben, Bianca, Carlos, Chen,
Chloe, Dan, Daniela, David, Deepa, Diego, Elena, Emeka, Emily, Emma, Erik, Fatima, Felix, Fiona,
Gabriel, Grace, Hana, Hannah, Hiro, Ibrahim, Ingrid, Isabel, Ivan, Jack, James, Javier, Jin,
Joao, Jonas, Julia, Kai, Karen, Kenji, Kofi, Lars, Laura, Leila, Leo, Liam, Lina, Lucas, Lucia,
Maya, Marco, Maria, Mateo, Mei, Mia, Mohammed, Nadia, Naomi, Nia, Nikolai, Noah, Nora, Olga,
Omar, Oscar, Pablo, Paula, Pedro, Priya, Quentin, Rafael, Rahul, Rania, Ravi, Rosa, Ryan, Sakura,
Samir, Sara, Sean, Sofia, Sven, Tariq, Tomas, Uma, Valentina, Victor, Wei, Xavier, Yara, Yusuf,
Zara, Zoe, Adam, Beatriz, Caleb, Dmitri, Eva, Farah, Goran, Helga, Igor, Jana, Kwame, Lea, Mateus,
Nils, Olivia, Petra, Rhea, Stefan, Tanvi, Ugo, Vera, Wanda, Yuki
""")

LAST_NAMES = _split("""
Abadi, Adeyemi, Alvarez, Andersen, Bauer, Becker, Bianchi, Brown, Castro, Chen, Costa, Cruz,
Das, Dubois, Eriksson, Fernandes, Fischer, Garcia, Gomez, Gonzalez, Gupta, Haddad, Hansen, Herrera,
Hoffmann, Horvat, Ito, Ivanova, Jansen, Johansson, Kapoor, Kato, Khan, Kim, Kowalski, Kumar,
Larsen, Lee, Lopez, Martin, Martinez, Meyer, Moreno, Muller, Murphy, Nakamura, Nguyen, Novak,
Nowak, Okafor, Oliveira, Olsen, Ortiz, Patel, Perez, Petrov, Popescu, Ramirez, Reyes, Ricci,
Rodriguez, Romano, Rossi, Ruiz, Santos, Sato, Schmidt, Schneider, Silva, Singh, Smith, Sousa,
Suzuki, Tanaka, Torres, Vargas, Wagner, Walsh, Wang, Weber, Williams, Wong, Yamamoto, Yilmaz,
Zhang, Zimmermann, Abara, Bergstrom, Carvalho, Dimitrov, Esposito, Fontaine, Greco, Hughes,
Ibrahim, Jovanovic, Kaya, Lindqvist, Mensah, Nielsen, Osei, Pereira, Quinn, Rahman, Sharma,
Takahashi, Usman, Varga, Watanabe, Xu, Yamada, Zapata
""")

TIMEZONES = [
    "Europe/Madrid", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Asia/Singapore",
    "Australia/Sydney", "Africa/Lagos", None,
]

# Words the parser treats as commands or fillers: a topic name must not contain them.
PARSER_WORDS = frozenset(
    "who whois quien help ayuda usage poc pocs contact contacto owner lead person expert "
    "responsible the our my a an el la los las lo un una mi here now today please pls thanks "
    "gracias aqui ahora".split()
)
