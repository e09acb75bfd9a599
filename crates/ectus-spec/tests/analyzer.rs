//! The plain-English analyzer: the six corpus prompts, many phrasings of other domains,
//! determinism and the errors for texts without any entity. Every derived spec is validated.

use ectus_spec::analyzer::analyze;
use ectus_spec::{
    validate, AuthMode, Database, Derived, Entity, Field, FieldType, Operation, Relation,
    RelationKind, Spec,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Analyzes a text that must succeed and whose spec must pass validation.
fn derive(text: &str) -> Derived {
    let derived = analyze(text).unwrap_or_else(|e| panic!("{text:?} failed: {e}"));
    if let Err(errors) = validate(&derived.spec) {
        panic!(
            "{text:?} derived an invalid spec:\n{errors}\n{}",
            derived.spec.to_yaml()
        );
    }
    derived
}

fn spec(text: &str) -> Spec {
    derive(text).spec
}

fn entity<'a>(spec: &'a Spec, name: &str) -> &'a Entity {
    spec.entity(name).unwrap_or_else(|| {
        let names: Vec<&str> = spec.entities.iter().map(|e| e.name.as_str()).collect();
        panic!("no entity {name}; entities: {names:?}\n{}", spec.to_yaml())
    })
}

fn field<'a>(spec: &'a Spec, entity_name: &str, name: &str) -> &'a Field {
    let e = entity(spec, entity_name);
    e.fields.iter().find(|f| f.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = e.fields.iter().map(|f| f.name.as_str()).collect();
        panic!("{entity_name} has no field {name}; fields: {names:?}")
    })
}

fn has_field(spec: &Spec, entity_name: &str, name: &str) -> bool {
    entity(spec, entity_name)
        .fields
        .iter()
        .any(|f| f.name == name)
}

fn ty(spec: &Spec, entity_name: &str, name: &str) -> FieldType {
    field(spec, entity_name, name).ty
}

fn belongs_to<'a>(spec: &'a Spec, from: &str, target: &str) -> &'a Relation {
    let e = entity(spec, from);
    e.relations
        .iter()
        .find(|r| r.kind == RelationKind::BelongsTo && r.target == target)
        .unwrap_or_else(|| panic!("{from} does not belong to {target}\n{}", spec.to_yaml()))
}

fn has_many(spec: &Spec, from: &str, target: &str) -> bool {
    entity(spec, from)
        .relations
        .iter()
        .any(|r| r.kind == RelationKind::HasMany && r.target == target)
}

fn entity_names(spec: &Spec) -> Vec<&str> {
    let mut names: Vec<&str> = spec.entities.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    names
}

fn values(spec: &Spec, entity_name: &str, name: &str) -> Vec<String> {
    let f = field(spec, entity_name, name);
    assert_eq!(f.ty, FieldType::Enum, "{entity_name}.{name} is not an enum");
    f.values.clone()
}

fn assumption_about(derived: &Derived, subject: &str) -> bool {
    derived.assumptions.iter().any(|a| a.subject == subject)
}

// ---------------------------------------------------------------------------------------------
// The corpus prompts (copied verbatim from shared/corpus/prompts)
// ---------------------------------------------------------------------------------------------

const BLOG: &str = "Create a production-ready REST API for a blog.
It needs users and posts.
Use Rust with Axum for the backend, PostgreSQL for the database.
Include JWT authentication for creating posts.
Generate unit tests and a multi-stage Dockerfile.
";

const BOOKSTORE: &str = "A bookstore backend. Books have a title, a unique ISBN, a price and a publication date, and each book belongs to a publisher.
Publishers have a name and a country. Customers have an email and a name. Customers place orders;
an order has a customer, a total amount and a status which is pending, paid or shipped.
";

const BUGS: &str = "I need a bug tracker with projects and issues. Issues have a title, a body, a severity (low, medium, high, critical),
an assignee email and belong to a project. Projects have a name and a description. Use SQLite.
";

const PETCLINIC: &str = "Pet clinic system: owners (first name, last name, phone), pets (name, species, birth date, owner)
and visits (pet, visit date, notes).
";

const ROOMS: &str = "Meeting room booking service. Rooms have a name and a capacity. Bookings have a room, an organizer email,
a start time and an end time. Require an API key to create or cancel bookings; anyone may list rooms.
";

const TODO: &str = "A todo API: tasks have a title, a description, a due date and a completed flag.
";

#[test]
fn blog_prompt_yields_users_and_posts_written_by_users_on_postgres_with_jwt_for_creating() {
    let derived = derive(BLOG);
    let s = &derived.spec;
    assert_eq!(entity_names(s), ["Post", "User"]);
    assert_eq!(s.service.name, "blog-api");
    assert_eq!(
        s.service.description,
        "Create a production-ready REST API for a blog."
    );
    assert_eq!(s.database, Database::Postgres);
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete],
        "every write is protected, not only the one named"
    );
    assert!(assumption_about(&derived, "auth.protect"));
    assert_eq!(s.auth.identity.as_deref(), Some("User"));
    assert_eq!(
        s.entity("Post").and_then(|p| p.owner.as_deref()),
        Some("author")
    );
    let author = belongs_to(s, "Post", "User");
    assert_eq!(author.foreign_key(), "author_id");
    assert!(has_many(s, "User", "Post"));
    assert!(assumption_about(&derived, "Post.author"));
    assert_eq!(ty(s, "User", "email"), FieldType::Email);
    assert!(field(s, "User", "email").unique);
    assert!(assumption_about(&derived, "User"));
}

#[test]
fn bookstore_prompt_yields_books_publishers_customers_and_orders() {
    let s = spec(BOOKSTORE);
    assert_eq!(s.service.name, "bookstore-api");
    assert_eq!(entity_names(&s), ["Book", "Customer", "Order", "Publisher"]);
    assert_eq!(ty(&s, "Book", "title"), FieldType::String);
    assert_eq!(ty(&s, "Book", "isbn"), FieldType::String);
    assert!(field(&s, "Book", "isbn").unique);
    assert_eq!(ty(&s, "Book", "price"), FieldType::Decimal);
    assert_eq!(ty(&s, "Book", "publication_date"), FieldType::Date);
    belongs_to(&s, "Book", "Publisher");
    assert!(has_many(&s, "Publisher", "Book"));
    assert_eq!(ty(&s, "Publisher", "name"), FieldType::String);
    assert_eq!(ty(&s, "Publisher", "country"), FieldType::String);
    assert_eq!(ty(&s, "Customer", "email"), FieldType::Email);
    assert_eq!(ty(&s, "Customer", "name"), FieldType::String);
    belongs_to(&s, "Order", "Customer");
    assert_eq!(
        entity(&s, "Order")
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::BelongsTo)
            .count(),
        1,
        "\"place orders\" and \"has a customer\" are one relation"
    );
    assert_eq!(ty(&s, "Order", "total_amount"), FieldType::Decimal);
    assert_eq!(
        values(&s, "Order", "status"),
        ["pending", "paid", "shipped"]
    );
    assert_eq!(s.database, Database::Sqlite);
    assert_eq!(
        s.auth.mode,
        AuthMode::ApiKey,
        "no authentication named: writes need a key"
    );
}

#[test]
fn bug_tracker_prompt_yields_projects_and_issues_on_sqlite() {
    let derived = derive(BUGS);
    let s = &derived.spec;
    assert_eq!(s.service.name, "bug-tracker-api");
    assert_eq!(entity_names(s), ["Issue", "Project"]);
    assert_eq!(ty(s, "Project", "name"), FieldType::String);
    assert_eq!(ty(s, "Project", "description"), FieldType::Text);
    assert_eq!(ty(s, "Issue", "title"), FieldType::String);
    assert_eq!(ty(s, "Issue", "body"), FieldType::Text);
    assert_eq!(
        values(s, "Issue", "severity"),
        ["low", "medium", "high", "critical"]
    );
    assert_eq!(ty(s, "Issue", "assignee_email"), FieldType::Email);
    belongs_to(s, "Issue", "Project");
    assert_eq!(s.database, Database::Sqlite);
    assert!(!assumption_about(&derived, "database"));
}

#[test]
fn pet_clinic_prompt_reads_parenthesised_field_lists_and_entity_fields_as_relations() {
    let s = spec(PETCLINIC);
    assert_eq!(s.service.name, "pet-clinic-api");
    assert_eq!(entity_names(&s), ["Owner", "Pet", "Visit"]);
    for name in ["first_name", "last_name", "phone"] {
        assert_eq!(ty(&s, "Owner", name), FieldType::String);
    }
    assert_eq!(ty(&s, "Pet", "name"), FieldType::String);
    assert_eq!(ty(&s, "Pet", "species"), FieldType::String);
    assert_eq!(ty(&s, "Pet", "birth_date"), FieldType::Date);
    assert!(!has_field(&s, "Pet", "owner"));
    belongs_to(&s, "Pet", "Owner");
    belongs_to(&s, "Visit", "Pet");
    assert_eq!(ty(&s, "Visit", "visit_date"), FieldType::Date);
    assert_eq!(ty(&s, "Visit", "notes"), FieldType::Text);
    let order: Vec<&str> = s.entities.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(order, ["Owner", "Pet", "Visit"], "targets come first");
}

#[test]
fn rooms_prompt_protects_creating_and_cancelling_with_an_api_key_but_not_listing() {
    let s = spec(ROOMS);
    assert_eq!(s.service.name, "meeting-room-booking-api");
    assert_eq!(entity_names(&s), ["Booking", "Room"]);
    assert_eq!(ty(&s, "Room", "name"), FieldType::String);
    assert_eq!(ty(&s, "Room", "capacity"), FieldType::Integer);
    belongs_to(&s, "Booking", "Room");
    assert_eq!(ty(&s, "Booking", "organizer_email"), FieldType::Email);
    assert_eq!(ty(&s, "Booking", "start_time"), FieldType::Datetime);
    assert_eq!(ty(&s, "Booking", "end_time"), FieldType::Datetime);
    assert_eq!(s.auth.mode, AuthMode::ApiKey);
    assert!(s.auth.protect.contains(&Operation::Create));
    assert!(s.auth.protect.contains(&Operation::Delete));
    assert!(!s.auth.protect.contains(&Operation::List));
}

#[test]
fn todo_prompt_yields_tasks_with_a_completed_bool_defaulting_to_false() {
    let s = spec(TODO);
    assert_eq!(s.service.name, "todo-api");
    assert_eq!(entity_names(&s), ["Task"]);
    assert_eq!(ty(&s, "Task", "title"), FieldType::String);
    assert_eq!(ty(&s, "Task", "description"), FieldType::Text);
    assert_eq!(ty(&s, "Task", "due_date"), FieldType::Date);
    let completed = field(&s, "Task", "completed");
    assert_eq!(completed.ty, FieldType::Bool);
    assert!(!completed.required);
    assert_eq!(completed.default, Some(serde_json::Value::Bool(false)));
    assert!(field(&s, "Task", "title").required);
}

// ---------------------------------------------------------------------------------------------
// Other domains and phrasings
// ---------------------------------------------------------------------------------------------

#[test]
fn library_example_prompt_from_the_error_message_works() {
    let s = spec("A library API. Books have a title, an ISBN (unique) and a publication date, and each book belongs to an author. Authors have a name.");
    assert_eq!(s.service.name, "library-api");
    assert!(field(&s, "Book", "isbn").unique);
    belongs_to(&s, "Book", "Author");
    assert_eq!(entity(&s, "Author").fields.len(), 1);
}

#[test]
fn inventory_entities_listed_after_manage_get_fields_and_a_supplier() {
    let derived = derive("An inventory system to manage products, warehouses and suppliers. Products have a name, a SKU (unique), a price and a quantity. Each product belongs to a supplier. Warehouses have a name and a city.");
    let s = &derived.spec;
    assert_eq!(s.service.name, "inventory-api");
    assert_eq!(entity_names(s), ["Product", "Supplier", "Warehouse"]);
    assert!(field(s, "Product", "sku").unique);
    assert_eq!(ty(s, "Product", "price"), FieldType::Decimal);
    assert_eq!(ty(s, "Product", "quantity"), FieldType::Integer);
    belongs_to(s, "Product", "Supplier");
    assert!(has_field(s, "Supplier", "name"));
    assert!(assumption_about(&derived, "Supplier"));
    assert!(assumption_about(&derived, "Product.price"));
}

#[test]
fn recipe_durations_in_minutes_are_integers_and_counts_keep_the_words_of_the_text() {
    let s = spec("Recipe sharing app with PostgreSQL. Recipes have a title, instructions, a preparation time in minutes and a number of servings. Ingredients have a name and a quantity, and each ingredient belongs to a recipe.");
    assert_eq!(s.database, Database::Postgres);
    assert_eq!(ty(&s, "Recipe", "instructions"), FieldType::Text);
    assert_eq!(
        ty(&s, "Recipe", "preparation_time_minutes"),
        FieldType::Integer
    );
    assert_eq!(ty(&s, "Recipe", "number_of_servings"), FieldType::Integer);
    belongs_to(&s, "Ingredient", "Recipe");
}

#[test]
fn fitness_tracker_with_a_colon_reads_the_clause_after_it() {
    let s = spec("A fitness tracker: workouts have a date, a duration in minutes and optional notes. Exercises have a name, a number of sets, a number of reps and a weight in kg, and belong to a workout.");
    assert_eq!(s.service.name, "fitness-tracker-api");
    assert_eq!(entity_names(&s), ["Exercise", "Workout"]);
    assert_eq!(ty(&s, "Workout", "date"), FieldType::Date);
    assert_eq!(ty(&s, "Workout", "duration_minutes"), FieldType::Integer);
    let notes = field(&s, "Workout", "notes");
    assert_eq!(notes.ty, FieldType::Text);
    assert!(!notes.required);
    assert_eq!(ty(&s, "Exercise", "number_of_sets"), FieldType::Integer);
    assert_eq!(ty(&s, "Exercise", "weight_kg"), FieldType::Float);
    belongs_to(&s, "Exercise", "Workout");
}

#[test]
fn crm_with_oxford_comma_lists_enums_in_parentheses_and_semicolons() {
    let s = spec("A CRM with contacts, companies, and deals. Contacts have a first name, a last name, an email address (unique) and a phone number, and belong to a company. Companies have a name and a website. Deals have a title, an amount, a stage (lead, qualified, won, lost) and a close date; each deal belongs to a company.");
    assert_eq!(s.service.name, "crm-api");
    assert_eq!(entity_names(&s), ["Company", "Contact", "Deal"]);
    let email = field(&s, "Contact", "email_address");
    assert_eq!(email.ty, FieldType::Email);
    assert!(email.unique);
    assert_eq!(ty(&s, "Contact", "phone_number"), FieldType::String);
    assert_eq!(ty(&s, "Company", "website"), FieldType::Url);
    assert_eq!(ty(&s, "Deal", "amount"), FieldType::Decimal);
    assert_eq!(
        values(&s, "Deal", "stage"),
        ["lead", "qualified", "won", "lost"]
    );
    assert_eq!(ty(&s, "Deal", "close_date"), FieldType::Date);
    belongs_to(&s, "Contact", "Company");
    belongs_to(&s, "Deal", "Company");
    assert!(has_many(&s, "Company", "Contact"));
    assert!(has_many(&s, "Company", "Deal"));
}

#[test]
fn school_enrollments_belong_to_two_entities_and_have_their_own_field() {
    let s = spec("School management API using SQLite. Students have a first name, a last name, a date of birth and an email. Teachers have a name and a subject. Courses have a title, a code (unique) and a capacity; each course belongs to a teacher. Enrollments belong to a student and a course and have a grade.");
    assert_eq!(s.service.name, "school-management-api");
    assert_eq!(ty(&s, "Student", "date_of_birth"), FieldType::Date);
    assert_eq!(ty(&s, "Student", "email"), FieldType::Email);
    assert!(field(&s, "Course", "code").unique);
    belongs_to(&s, "Course", "Teacher");
    belongs_to(&s, "Enrollment", "Student");
    belongs_to(&s, "Enrollment", "Course");
    assert!(has_field(&s, "Enrollment", "grade"));
}

#[test]
fn events_with_generic_authentication_protect_the_named_operations_with_jwt() {
    let derived = derive("An events platform. Events have a name, a venue, a start date, an end date and a ticket price. Attendees have a name and an email, and each attendee belongs to an event. Only authenticated users can create, update or delete events.");
    let s = &derived.spec;
    assert_eq!(s.service.name, "events-api");
    assert_eq!(
        entity_names(s),
        ["Attendee", "Event", "User"],
        "users are the identity added for JWT, not a domain entity of the text"
    );
    assert!(assumption_about(&derived, "User"));
    assert_eq!(ty(s, "Event", "end_date"), FieldType::Date);
    assert_eq!(ty(s, "Event", "ticket_price"), FieldType::Decimal);
    belongs_to(s, "Attendee", "Event");
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
    assert!(assumption_about(&derived, "auth"));
}

#[test]
fn invoices_with_multi_word_entities_and_a_which_can_be_enum() {
    let s = spec("Invoicing service in Postgres. Clients have a company name, a contact email and a VAT number. Invoices have a number (unique), an issue date, a due date, a total and a status which can be draft, sent, paid or overdue. Each invoice belongs to a client. Invoice lines have a description, a quantity and a unit price, and belong to an invoice.");
    assert_eq!(s.service.name, "invoicing-api");
    assert_eq!(s.database, Database::Postgres);
    assert_eq!(ty(&s, "Client", "contact_email"), FieldType::Email);
    assert_eq!(ty(&s, "Client", "vat_number"), FieldType::String);
    assert!(field(&s, "Invoice", "number").unique);
    assert_eq!(ty(&s, "Invoice", "total"), FieldType::Decimal);
    assert_eq!(
        values(&s, "Invoice", "status"),
        ["draft", "sent", "paid", "overdue"]
    );
    belongs_to(&s, "Invoice", "Client");
    belongs_to(&s, "InvoiceLine", "Invoice");
    assert_eq!(ty(&s, "InvoiceLine", "unit_price"), FieldType::Decimal);
}

#[test]
fn fleet_management_reads_units_british_spelling_and_two_targets() {
    let s = spec("Fleet management: vehicles have a registration plate (unique), a make, a model, a year and a mileage. Drivers have a name, a licence number and an optional phone. Trips have a start time, an end time, a distance in km and belong to a vehicle and a driver.");
    assert_eq!(s.service.name, "fleet-management-api");
    assert!(field(&s, "Vehicle", "registration_plate").unique);
    assert_eq!(ty(&s, "Vehicle", "year"), FieldType::Integer);
    assert_eq!(ty(&s, "Driver", "licence_number"), FieldType::String);
    assert!(!field(&s, "Driver", "phone").required);
    assert_eq!(ty(&s, "Trip", "distance_km"), FieldType::Float);
    belongs_to(&s, "Trip", "Vehicle");
    belongs_to(&s, "Trip", "Driver");
}

#[test]
fn hotel_reserved_words_are_renamed_and_an_unsupported_database_is_reported() {
    let derived = derive("Hotel reservation system with MySQL. Rooms have a number, a type (single, double, suite), a price per night and a floor. Guests have a full name, an email and a phone. Reservations have a check-in date, a check-out date and a number of guests; a reservation belongs to a room and a guest.");
    let s = &derived.spec;
    assert_eq!(s.service.name, "hotel-reservation-api");
    assert_eq!(s.database, Database::Sqlite);
    assert!(derived
        .assumptions
        .iter()
        .any(|a| a.subject == "database" && a.message.contains("mysql")));
    assert_eq!(values(s, "Room", "kind"), ["single", "double", "suite"]);
    assert!(!has_field(s, "Room", "type"));
    assert_eq!(ty(s, "Room", "price_per_night"), FieldType::Decimal);
    assert_eq!(ty(s, "Reservation", "check_in_date"), FieldType::Date);
    assert_eq!(ty(s, "Reservation", "number_of_guests"), FieldType::Integer);
    belongs_to(s, "Reservation", "Room");
    belongs_to(s, "Reservation", "Guest");
}

#[test]
fn music_albums_belong_to_artists_and_songs_to_plural_targets() {
    let s = spec("Music streaming API. Artists have a name and a country. Albums have a title, a release year and a cover image url, and each album belongs to an artist. Songs have a title, a duration in seconds and a track number; songs belong to albums.");
    assert_eq!(s.service.name, "music-streaming-api");
    assert_eq!(ty(&s, "Album", "release_year"), FieldType::Integer);
    assert_eq!(ty(&s, "Album", "cover_image_url"), FieldType::Url);
    assert_eq!(ty(&s, "Song", "duration_seconds"), FieldType::Integer);
    assert_eq!(ty(&s, "Song", "track_number"), FieldType::Integer);
    belongs_to(&s, "Album", "Artist");
    belongs_to(&s, "Song", "Album");
}

#[test]
fn hr_backend_with_api_keys_for_all_endpoints_protects_everything() {
    let s = spec("An HR backend for employees and departments. Employees have a full name, a work email (unique), a hire date, a salary and a job title; each employee belongs to a department. Departments have a name and a budget. Use API keys for all endpoints.");
    assert_eq!(s.service.name, "hr-api");
    assert!(field(&s, "Employee", "work_email").unique);
    assert_eq!(ty(&s, "Employee", "hire_date"), FieldType::Date);
    assert_eq!(ty(&s, "Employee", "salary"), FieldType::Decimal);
    assert_eq!(ty(&s, "Department", "budget"), FieldType::Decimal);
    belongs_to(&s, "Employee", "Department");
    assert_eq!(s.auth.mode, AuthMode::ApiKey);
    assert_eq!(s.auth.protect.len(), 5);
}

#[test]
fn an_is_flag_becomes_an_is_prefixed_bool() {
    let s = spec("Parking garage API. Spots have a code, a level and an is covered flag.");
    let covered = field(&s, "Spot", "is_covered");
    assert_eq!(covered.ty, FieldType::Bool);
    assert_eq!(covered.default, Some(serde_json::Value::Bool(false)));
    assert_eq!(ty(&s, "Spot", "level"), FieldType::Integer);
}

#[test]
fn british_authorisation_for_cancelling_protects_delete_only() {
    let s = spec("A veterinary practice backend. Owners have a surname and a postcode. Animals have a name, a colour and a weight, and belong to an owner. Appointments have a date, a time slot and a reason; each appointment belongs to an animal. Cancelling appointments requires authorisation.");
    assert_eq!(s.service.name, "veterinary-practice-api");
    assert_eq!(ty(&s, "Animal", "colour"), FieldType::String);
    belongs_to(&s, "Animal", "Owner");
    belongs_to(&s, "Appointment", "Animal");
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
}

#[test]
fn a_role_word_such_as_author_refers_to_users_and_public_reading_stays_open() {
    let derived = derive("Blog API. Users have a username (unique), an email and a bio. Posts have a title, a body, a published flag and an author. Comments have a body and belong to a post. Use JWT; reading is public.");
    let s = &derived.spec;
    let author = belongs_to(s, "Post", "User");
    assert_eq!(author.name.as_deref(), Some("author"));
    assert_eq!(author.foreign_key(), "author_id");
    assert!(assumption_about(&derived, "Post.author"));
    assert!(!has_field(s, "Post", "author"));
    assert_eq!(ty(s, "Post", "published"), FieldType::Bool);
    assert_eq!(ty(s, "User", "bio"), FieldType::Text);
    belongs_to(s, "Comment", "Post");
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
}

#[test]
fn has_many_makes_the_many_side_belong_to_the_owner() {
    let s = spec("A playlist service. A playlist has a name and many songs. Songs have a title and an artist name.");
    assert_eq!(s.service.name, "playlist-api");
    belongs_to(&s, "Song", "Playlist");
    assert!(has_many(&s, "Playlist", "Song"));
    assert_eq!(ty(&s, "Song", "artist_name"), FieldType::String);
}

#[test]
fn consists_of_lists_fields_and_the_service_name_falls_back_to_the_first_entity() {
    let derived = derive("An order consists of a date, a customer name and a total price.");
    let s = &derived.spec;
    assert_eq!(entity_names(s), ["Order"]);
    assert_eq!(ty(s, "Order", "date"), FieldType::Date);
    assert_eq!(ty(s, "Order", "total_price"), FieldType::Decimal);
    assert_eq!(s.service.name, "orders-api");
    assert!(assumption_about(&derived, "service.name"));
}

#[test]
fn colon_definitions_list_fields_per_entity() {
    let s = spec("Products: name, price, SKU (unique), stock. Categories: name, description.");
    assert_eq!(entity_names(&s), ["Category", "Product"]);
    assert_eq!(ty(&s, "Product", "price"), FieldType::Decimal);
    assert!(field(&s, "Product", "sku").unique);
    assert_eq!(ty(&s, "Product", "stock"), FieldType::Integer);
    assert_eq!(ty(&s, "Category", "description"), FieldType::Text);
}

#[test]
fn separate_can_be_and_is_one_of_sentences_set_enum_values() {
    let derived = derive("Tickets have a subject, a description and a priority. Priority can be low, normal or urgent. A ticket's status is one of open, pending, closed.");
    let s = &derived.spec;
    assert_eq!(values(s, "Ticket", "priority"), ["low", "normal", "urgent"]);
    assert_eq!(values(s, "Ticket", "status"), ["open", "pending", "closed"]);
    let status = field(s, "Ticket", "status");
    assert_eq!(status.default, Some(serde_json::json!("open")));
    assert!(assumption_about(&derived, "Ticket.status"));
}

#[test]
fn a_colon_with_slashes_inside_a_field_list_is_an_enum() {
    let s = spec("Support desk API. Tickets have a title and a status: open/closed.");
    assert_eq!(values(&s, "Ticket", "status"), ["open", "closed"]);
}

#[test]
fn that_is_one_of_inside_a_field_list_is_an_enum_and_the_list_continues() {
    let s = spec(
        "Shipments have a tracking code, a carrier that is one of dhl, ups or fedex, and a weight.",
    );
    assert_eq!(values(&s, "Shipment", "carrier"), ["dhl", "ups", "fedex"]);
    assert_eq!(ty(&s, "Shipment", "weight"), FieldType::Float);
    assert_eq!(ty(&s, "Shipment", "tracking_code"), FieldType::String);
}

#[test]
fn required_optional_and_unique_markers_are_honoured() {
    let s = spec("Profiles have a required display name, an optional bio, an optional avatar url and a unique handle.");
    assert!(field(&s, "Profile", "display_name").required);
    let bio = field(&s, "Profile", "bio");
    assert!(!bio.required);
    assert_eq!(bio.ty, FieldType::Text);
    let avatar = field(&s, "Profile", "avatar_url");
    assert_eq!(avatar.ty, FieldType::Url);
    assert!(!avatar.required);
    let handle = field(&s, "Profile", "handle");
    assert!(handle.unique);
    assert!(handle.required);
}

#[test]
fn as_well_as_and_oxford_commas_separate_fields() {
    let s = spec("Courses have a title, a summary, and a price, as well as a level.");
    let names: Vec<&str> = entity(&s, "Course")
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["title", "summary", "price", "level"]);
    assert_eq!(ty(&s, "Course", "summary"), FieldType::Text);
}

#[test]
fn a_relation_stated_before_the_fields_still_applies() {
    let s = spec("Each comment belongs to an article. Articles have a headline and a body. Comments have a text and an author email.");
    belongs_to(&s, "Comment", "Article");
    assert_eq!(ty(&s, "Comment", "text"), FieldType::Text);
    assert_eq!(ty(&s, "Comment", "author_email"), FieldType::Email);
    assert_eq!(ty(&s, "Article", "headline"), FieldType::String);
}

#[test]
fn reserved_field_names_are_renamed_and_generated_columns_skipped() {
    let derived = derive("Products have a name, a type, an order and a key. Items have an id, a created_at and a label.");
    let s = &derived.spec;
    for name in ["name", "kind", "position", "code"] {
        assert!(has_field(s, "Product", name), "{name}");
    }
    for name in ["type", "order", "key"] {
        assert!(!has_field(s, "Product", name), "{name}");
    }
    let item: Vec<&str> = entity(s, "Item")
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(item, ["label"]);
    assert!(assumption_about(&derived, "Item.id"));
    assert!(assumption_about(&derived, "Item.created_at"));
    assert!(assumption_about(&derived, "Product.kind"));
}

#[test]
fn an_entity_named_like_a_rust_keyword_is_renamed_with_record() {
    let derived = derive("Matches have a date and a score. Groups have a name.");
    let s = &derived.spec;
    assert_eq!(entity_names(s), ["Group", "MatchRecord"]);
    assert_eq!(ty(s, "MatchRecord", "score"), FieldType::Float);
    assert!(assumption_about(&derived, "MatchRecord"));
}

#[test]
fn a_verb_between_two_plurals_makes_an_ownership() {
    let s = spec("Authors write books. Books have a title and a page count.");
    belongs_to(&s, "Book", "Author");
    assert_eq!(ty(&s, "Book", "page_count"), FieldType::Integer);
    assert!(has_field(&s, "Author", "email"));
}

#[test]
fn a_modal_and_a_quantifier_do_not_hide_the_ownership() {
    let s = spec("Customers can place many orders. Orders have a total and a placed at timestamp.");
    belongs_to(&s, "Order", "Customer");
    assert_eq!(ty(&s, "Order", "placed_at"), FieldType::Datetime);
}

#[test]
fn postgres_short_name_is_recognised() {
    let s = spec("Use Postgres. Notes have a title and content.");
    assert_eq!(s.database, Database::Postgres);
    assert_eq!(ty(&s, "Note", "content"), FieldType::Text);
}

#[test]
fn bearer_tokens_mean_jwt_and_deleting_is_the_protected_operation() {
    let s = spec(
        "Events API secured with bearer tokens for deleting events. Events have a name and a date.",
    );
    assert_eq!(s.service.name, "events-api");
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
}

#[test]
fn api_key_for_updating_and_deleting() {
    let s = spec(
        "Warehouses have a name and an address. Protect updating and deleting with an API key.",
    );
    assert_eq!(s.auth.mode, AuthMode::ApiKey);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
}

#[test]
fn login_without_operations_protects_writes_with_assumptions() {
    let derived = derive("Notes app. Notes have a title and content. Users must log in.");
    let s = &derived.spec;
    assert_eq!(entity_names(s), ["Note", "User"]);
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
    assert!(assumption_about(&derived, "auth"));
    assert!(assumption_about(&derived, "auth.protect"));
}

#[test]
fn entities_without_fields_get_default_fields_and_an_assumption() {
    let derived = derive("A CRM. It manages customers and deals.");
    let s = &derived.spec;
    assert_eq!(entity_names(s), ["Customer", "Deal"]);
    let email = field(s, "Customer", "email");
    assert!(email.unique && email.required);
    assert!(field(s, "Customer", "name").required);
    assert_eq!(entity(s, "Deal").fields.len(), 1);
    assert!(has_field(s, "Deal", "name"));
    assert!(derived.assumptions.iter().any(|a| a.subject == "Customer"
        && a.message == "no fields given; assumed email (unique, required) and name (required)"));
}

#[test]
fn a_self_reference_is_optional() {
    let derived = derive("Categories have a name and a parent category.");
    let s = &derived.spec;
    let parent = belongs_to(s, "Category", "Category");
    assert_eq!(parent.foreign_key(), "parent_category_id");
    assert!(!parent.required);
    assert!(has_many(s, "Category", "Category"));
}

#[test]
fn two_roles_pointing_at_the_same_entity_get_their_own_names() {
    let s = spec("Matches have a home team, an away team and a kickoff time. Teams have a name.");
    let keys: Vec<String> = entity(&s, "MatchRecord")
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::BelongsTo)
        .map(Relation::foreign_key)
        .collect();
    assert_eq!(keys, ["home_team_id", "away_team_id"]);
    assert_eq!(ty(&s, "MatchRecord", "kickoff_time"), FieldType::Datetime);
}

#[test]
fn with_introduces_fields_of_multi_word_entities() {
    let s = spec("Warehouses with a name and an address. Stock items with a quantity, and each stock item belongs to a warehouse.");
    assert_eq!(entity_names(&s), ["StockItem", "Warehouse"]);
    belongs_to(&s, "StockItem", "Warehouse");
    assert_eq!(ty(&s, "StockItem", "quantity"), FieldType::Integer);
}

#[test]
fn includes_lists_fields_of_a_singular_subject() {
    let s = spec("Each invoice includes a number, an amount and a due date.");
    assert_eq!(entity_names(&s), ["Invoice"]);
    assert_eq!(ty(&s, "Invoice", "amount"), FieldType::Decimal);
    assert_eq!(ty(&s, "Invoice", "due_date"), FieldType::Date);
}

#[test]
fn for_managing_lists_entities_and_a_gerund_is_not_an_entity() {
    let s = spec(
        "A service for managing books and members. Members have a name and an email (unique).",
    );
    assert_eq!(entity_names(&s), ["Book", "Member"]);
    assert!(field(&s, "Member", "email").unique);
    assert!(has_field(&s, "Book", "title"));
}

#[test]
fn irregular_plurals_are_singularised() {
    let s = spec("People have a name and an email. Addresses have a street, a city and a postcode, and belong to a person.");
    assert_eq!(entity_names(&s), ["Address", "Person"]);
    belongs_to(&s, "Address", "Person");
}

#[test]
fn is_owned_by_is_a_belongs_to() {
    let s = spec("Each car is owned by a person. Cars have a make and a colour.");
    belongs_to(&s, "Car", "Person");
    assert!(has_field(&s, "Car", "make"));
}

#[test]
fn a_list_of_plain_words_becomes_a_json_field() {
    let derived = derive("Articles have a title and a list of tags.");
    assert_eq!(ty(&derived.spec, "Article", "tags"), FieldType::Json);
    assert!(assumption_about(&derived, "Article.tags"));
}

#[test]
fn bulleted_definitions_are_read_line_by_line() {
    let s = spec("Library service:\n- Books: title, author, ISBN (unique)\n- Authors: name, birth year\n- Loans belong to a book and a member\n");
    assert_eq!(s.service.name, "library-api");
    assert_eq!(entity_names(&s), ["Author", "Book", "Loan", "Member"]);
    belongs_to(&s, "Book", "Author");
    belongs_to(&s, "Loan", "Book");
    belongs_to(&s, "Loan", "Member");
    assert_eq!(ty(&s, "Author", "birth_year"), FieldType::Integer);
}

#[test]
fn explicit_types_in_parentheses_or_after_as_win_over_inference() {
    let s = spec("Readings have a value (float), a unit and a taken at timestamp. Sensors have a name and a threshold as a decimal.");
    assert_eq!(ty(&s, "Reading", "value"), FieldType::Float);
    assert_eq!(ty(&s, "Reading", "taken_at"), FieldType::Datetime);
    assert_eq!(ty(&s, "Sensor", "threshold"), FieldType::Decimal);
}

#[test]
fn money_and_weight_units_pick_decimal_and_float() {
    let s = spec("Products have a price in euros and a weight in grams.");
    assert_eq!(ty(&s, "Product", "price"), FieldType::Decimal);
    assert_eq!(ty(&s, "Product", "weight_grams"), FieldType::Float);
}

#[test]
fn a_whole_clause_of_entities_with_fields_after_a_colon() {
    let s = spec("Gym backend on PostgreSQL: members (name, email, joined at), classes (title, starts at, capacity) and bookings (member, class).");
    assert_eq!(s.service.name, "gym-api");
    assert_eq!(s.database, Database::Postgres);
    assert_eq!(ty(&s, "Member", "joined_at"), FieldType::Datetime);
    assert_eq!(ty(&s, "Class", "starts_at"), FieldType::Datetime);
    belongs_to(&s, "Booking", "Member");
    belongs_to(&s, "Booking", "Class");
    // "… and opens one unit": a verb and one thing is a link; a thing's own head noun is a
    // field of it, not a link to itself.
    let s = spec("Units have a number. Keys: every physical key has a tag number and opens one unit. Promo codes have a code.");
    belongs_to(&s, "PhysicalKey", "Unit");
    assert!(has_field(&s, "PromoCode", "code"));
}

#[test]
fn which_can_be_inside_a_list_makes_an_enum() {
    let s = spec("Users have a name and a role which can be admin, editor or viewer.");
    assert_eq!(values(&s, "User", "role"), ["admin", "editor", "viewer"]);
    let role = field(&s, "User", "role");
    assert_eq!(role.default, Some(serde_json::json!("admin")));
}

#[test]
fn multi_word_enum_values_become_snake_case() {
    let s = spec("Tasks have a title and a state (to do, in progress, done).");
    assert_eq!(
        values(&s, "Task", "state"),
        ["to_do", "in_progress", "done"]
    );
}

#[test]
fn technology_sentences_do_not_create_entities() {
    let s = spec("Create a production-ready REST API. Use Rust with Axum. Generate unit tests and a multi-stage Dockerfile. Books have a title.");
    assert_eq!(entity_names(&s), ["Book"]);
}

#[test]
fn a_single_entity_without_an_article_and_in_another_order() {
    let s = spec("Use SQLite. Each movie has a title, a release date, a rating and a synopsis.");
    assert_eq!(entity_names(&s), ["Movie"]);
    assert_eq!(ty(&s, "Movie", "release_date"), FieldType::Date);
    assert_eq!(ty(&s, "Movie", "rating"), FieldType::Integer);
    assert_eq!(ty(&s, "Movie", "synopsis"), FieldType::Text);
}

#[test]
fn json_metadata_and_geo_coordinates_are_typed() {
    let s = spec("Places have a name, a latitude, a longitude and JSON metadata.");
    assert_eq!(ty(&s, "Place", "latitude"), FieldType::Float);
    assert_eq!(ty(&s, "Place", "longitude"), FieldType::Float);
    assert_eq!(ty(&s, "Place", "metadata"), FieldType::Json);
}

#[test]
fn description_is_the_first_sentence_at_most_200_characters() {
    let long = format!("{}. Books have a title.", "A very long opening ".repeat(20));
    let s = spec(&long);
    assert!(s.service.description.chars().count() <= 200);
    assert!(s.service.description.starts_with("A very long opening"));
    let s = spec("  A library API.\nBooks have a title.  ");
    assert_eq!(s.service.description, "A library API.");
    assert_eq!(s.spec_version, 1);
}

#[test]
fn every_assumption_names_a_subject_and_says_something() {
    for text in [BLOG, BOOKSTORE, BUGS, PETCLINIC, ROOMS, TODO] {
        for a in derive(text).assumptions {
            assert!(!a.subject.is_empty() && !a.message.is_empty(), "{a:?}");
        }
    }
}

#[test]
fn a_leading_verb_phrase_before_a_colon_is_the_domain_not_an_entity() {
    let s = spec("Track expenses: each expense has an amount, a currency, a date, a category (food, transport, rent, other) and an optional receipt url.");
    assert_eq!(entity_names(&s), ["Expense"]);
    assert_eq!(
        values(&s, "Expense", "category"),
        ["food", "transport", "rent", "other"]
    );
    assert!(!field(&s, "Expense", "receipt_url").required);
}

#[test]
fn a_relative_clause_after_a_role_is_not_a_field() {
    let s = spec("Employees have a name and a manager, who is another employee.");
    let manager = belongs_to(&s, "Employee", "Employee");
    assert_eq!(manager.foreign_key(), "manager_id");
    let names: Vec<&str> = entity(&s, "Employee")
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["name"]);
}

#[test]
fn except_names_the_operations_left_open() {
    let s = spec("Authentication with JWT for everything except listing and viewing products. Products have a name and a price.");
    assert_eq!(s.auth.mode, AuthMode::Jwt);
    assert_eq!(
        s.auth.protect,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
}

#[test]
fn identifier_numbers_are_strings_and_ordinal_numbers_integers() {
    let s = spec("Patients have a name, an NHS number (unique) and a date of birth. Episodes have a title and an episode number.");
    assert_eq!(ty(&s, "Patient", "nhs_number"), FieldType::String);
    assert_eq!(ty(&s, "Episode", "episode_number"), FieldType::Integer);
}

#[test]
fn accented_letters_are_folded_to_ascii_names() {
    let s = spec("Cafés have a name and a crème brûlée price.");
    assert_eq!(entity_names(&s), ["Cafe"]);
    assert_eq!(ty(&s, "Cafe", "creme_brulee_price"), FieldType::Decimal);
}

#[test]
fn a_cycle_of_required_relations_is_broken_with_an_optional_one() {
    let derived = derive(
        "Teams have a name and belong to a league. Leagues have a name and a champion team.",
    );
    let s = &derived.spec;
    belongs_to(s, "Team", "League");
    let champion = belongs_to(s, "League", "Team");
    let team_league = belongs_to(s, "Team", "League");
    assert!(
        !(champion.required && team_league.required),
        "one side of the cycle must be optional"
    );
}

#[test]
fn malformed_punctuation_does_not_panic() {
    for text in [
        "Books have a title (unclosed, a price",
        "Books have ((nested (groups))) and a ) stray bracket.",
        "!!!...;;;,,,:::///",
        "Books: : : title,, ,price ;; and and or",
    ] {
        if let Ok(derived) = analyze(text) {
            assert!(validate(&derived.spec).is_ok(), "{text:?}");
        }
    }
}

#[test]
fn more_fields_than_the_validator_allows_are_capped() {
    let fields: Vec<String> = (0..250).map(|i| format!("a field number {i}")).collect();
    let text = format!("Widgets have {}.", fields.join(", "));
    let s = spec(&text);
    assert_eq!(entity(&s, "Widget").fields.len(), 200);
}

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn analyzing_the_same_text_twice_gives_the_same_spec_yaml_and_assumptions() {
    for text in [BLOG, BOOKSTORE, BUGS, PETCLINIC, ROOMS, TODO] {
        let first = derive(text);
        let second = derive(text);
        assert_eq!(first, second);
        assert_eq!(first.spec.to_yaml(), second.spec.to_yaml());
        assert_eq!(first.spec.hash(), second.spec.hash());
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn texts_without_entities_are_errors_that_show_an_example() {
    for text in [
        "",
        "   \n\t ",
        "Hello there.",
        "Make it fast and secure.",
        "Use Rust and Docker.",
    ] {
        let error = analyze(text).expect_err(text);
        assert!(error.message.contains("Try:"), "{text:?}: {error}");
        assert!(
            error.to_string().contains("Books have"),
            "{text:?}: {error}"
        );
    }
    let error = analyze("Hello there.").expect_err("no entity");
    assert!(
        error.message.contains("No entity could be found"),
        "{error}"
    );
}

#[test]
fn the_example_in_the_error_message_is_itself_analyzable() {
    let message = analyze("").expect_err("empty").message;
    let example = message
        .split("Try: \"")
        .nth(1)
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("quoted example");
    let s = spec(example);
    assert!(s.entity("Book").is_some() && s.entity("Author").is_some());
}

// ---------------------------------------------------------------------------------------------
// Things introduced inside other sentences: events, nested lists, link verbs, titles
// ---------------------------------------------------------------------------------------------

#[test]
fn an_event_sentence_makes_an_entity_with_a_reference_per_which() {
    let s = spec("A clinic API. Patients have a name. Doctors have a name. A visit records which patient saw which doctor, the visit date and a diagnosis.");
    assert_eq!(entity_names(&s), ["Doctor", "Patient", "Visit"]);
    belongs_to(&s, "Visit", "Patient");
    belongs_to(&s, "Visit", "Doctor");
    assert_eq!(ty(&s, "Visit", "visit_date"), FieldType::Date);
    assert!(has_field(&s, "Visit", "diagnosis"));
}

#[test]
fn plural_things_with_their_own_list_inside_a_field_list_are_entities() {
    let s = spec("Car rental. Cars have a plate and a model, and service records with the car, a date and a cost.");
    assert_eq!(entity_names(&s), ["Car", "ServiceRecord"]);
    belongs_to(&s, "ServiceRecord", "Car");
    assert_eq!(ty(&s, "ServiceRecord", "cost"), FieldType::Decimal);
    assert!(!has_field(&s, "Car", "cost"), "not merged into cars");
}

#[test]
fn a_link_verb_relates_and_a_title_naming_the_same_thing_is_no_entity() {
    let s = spec("Dental bookings. Patients have a name. Dentists have a name. Bookings link a patient and a dentist, have a time and a status that is pending, confirmed or missed.");
    assert_eq!(entity_names(&s), ["Booking", "Dentist", "Patient"]);
    belongs_to(&s, "Booking", "Patient");
    belongs_to(&s, "Booking", "Dentist");
    assert_eq!(
        values(&s, "Booking", "status"),
        ["pending", "confirmed", "missed"]
    );
    assert_eq!(ty(&s, "Booking", "time"), FieldType::Datetime);
}

#[test]
fn many_to_many_links_become_join_entities() {
    let s = spec("Orders contain many products and a product can appear in many orders. Products have a name and a price. Orders have an order date.");
    let join = s
        .entities
        .iter()
        .find(|e| {
            let targets: Vec<&str> = e
                .relations
                .iter()
                .filter(|r| r.kind == RelationKind::BelongsTo)
                .map(|r| r.target.as_str())
                .collect();
            targets.contains(&"Order") && targets.contains(&"Product")
        })
        .unwrap_or_else(|| panic!("a join entity\n{}", s.to_yaml()));
    assert!(
        join.fields.is_empty(),
        "a join holds the two references only"
    );
    assert!(
        entity(&s, "Product")
            .relations
            .iter()
            .all(|r| r.kind != RelationKind::BelongsTo),
        "products do not belong to orders"
    );
}

#[test]
fn user_stories_and_markdown_headings_name_their_things() {
    let s = spec("As a volunteer I want to log each walk: which dog, which volunteer, when it started and how many minutes it lasted.");
    belongs_to(&s, "Walk", "Dog");
    belongs_to(&s, "Walk", "Volunteer");
    assert_eq!(ty(&s, "Walk", "started_at"), FieldType::Datetime);
    assert_eq!(ty(&s, "Walk", "minutes"), FieldType::Integer);
    let s = spec("# Print farm\n\n## Printers\n- name\n- model\n- status: idle, printing or offline\n\n## Spools\n- colour\n- remaining weight in grams\n");
    assert_eq!(entity_names(&s), ["Printer", "Spool"]);
    assert_eq!(
        values(&s, "Printer", "status"),
        ["idle", "printing", "offline"]
    );
    assert_eq!(ty(&s, "Spool", "remaining_weight_grams"), FieldType::Float);
}

#[test]
fn a_sentence_too_long_to_read_is_listed_as_not_understood_and_the_rest_is_read() {
    let run_on: String = (0..2100).map(|i| format!("word{i} ")).collect();
    let text = format!("Patients have a name. {run_on}and doctors have a name.");
    let derived = derive(&text);
    assert!(has_field(&derived.spec, "Patient", "name"));
    let refused = &derived.coverage.not_understood;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].reason.contains("too long")
            && refused[0].reason.contains("2105 words, at most 2000"),
        "{refused:?}"
    );
    assert!(refused[0].text.starts_with("word0"), "{refused:?}");
}

#[test]
fn a_requirement_over_the_size_limit_is_refused_saying_how_large_it_may_be() {
    let text = "Patients have a name. ".repeat(ectus_spec::limits::MAX_REQUIREMENT_BYTES / 20);
    let error = ectus_spec::analyzer::analyze(&text).expect_err("too large");
    assert!(error.message.contains("at most 256 KiB"), "{error}");
}

#[test]
fn an_enum_opening_item_without_a_name_takes_no_values_and_does_not_panic() {
    // Found by the fuzz run: "(morning / afternoon / full)" after a dropped item.
    let text = "- desks: label, zone\n- deskf the day (morning / afternoon / full)\n* Boards — titl bookings: desk, member, day, and which part of the day (morning / afternoon / full)\n";
    let _ = analyze(text);
    let replay = include_str!("fixtures/fuzz-prompt-enum-after-dropped-item.txt");
    let _ = analyze(replay);
}

#[test]
fn passwords_and_tokens_of_a_requirement_are_not_stored_in_plain_columns() {
    let derived = derive("A library API. Members have a name, a password and an access token.");
    let user = entity(&derived.spec, "Member");
    assert!(has_field(&derived.spec, "Member", "name"));
    for secret in ["password", "access_token"] {
        assert!(
            user.fields.iter().all(|f| f.name != secret),
            "{secret}: {:?}",
            user.fields
        );
        assert!(
            derived.assumptions.iter().any(
                |a| a.subject == format!("Member.{secret}") && a.message.contains("not stored")
            ),
            "{secret} is reported: {:?}",
            derived.assumptions
        );
    }
}

/// The `not understood` passage of `derived` whose text contains `part`, with its reason.
fn not_understood<'a>(derived: &'a Derived, part: &str) -> Option<&'a str> {
    derived
        .coverage
        .not_understood
        .iter()
        .find(|p| p.text.contains(part))
        .map(|p| p.reason.as_str())
}

#[test]
fn a_single_word_nothing_in_the_spec_stands_for_makes_its_sentence_partly_read() {
    let derived = derive("Patients have a name. Doctors have a name and a pager.");
    assert!(not_understood(&derived, "Doctors").is_none());
    let derived = derive("Patients have a name. Doctors have a name and a pager (sometimes).");
    let reason = not_understood(&derived, "Doctors").expect("listed");
    assert!(reason.contains("\"sometimes\""), "{reason}");
}

#[test]
fn a_field_name_cut_out_of_a_phrase_is_listed_as_not_understood() {
    let derived = derive("Queens have a marking colour and what they eat.");
    let reason = not_understood(&derived, "what they eat").expect("listed");
    assert!(reason.contains("is a phrase, not a field name"), "{reason}");
}

#[test]
fn a_relative_clause_after_a_field_keeps_its_participle_and_drops_the_pronoun() {
    let s = spec("Queens have a marking colour, the year she was born and the date it was first seen. Hives have the number of frames in them, the source they came from and a rating out of 10.");
    assert_eq!(ty(&s, "Queen", "year_born"), FieldType::Integer);
    assert!(has_field(&s, "Queen", "date_first_seen"));
    assert_eq!(ty(&s, "Hive", "number_of_frames"), FieldType::Integer);
    assert!(has_field(&s, "Hive", "source"));
    assert!(has_field(&s, "Hive", "rating"));
}

#[test]
fn a_quantity_per_unit_keeps_its_unit_and_the_type_of_what_it_measures() {
    let s = spec("Tariffs have a name, a price per hour and a maximum number of hours per day. Sites have unique visitors and a short note.");
    assert_eq!(ty(&s, "Tariff", "price_per_hour"), FieldType::Decimal);
    assert!(has_field(&s, "Site", "note"));
    let visitors = field(&s, "Site", "unique_visitors");
    assert_eq!(visitors.ty, FieldType::Integer);
    assert!(!visitors.unique);
}

#[test]
fn a_person_named_in_a_field_list_is_a_thing_of_its_own() {
    let s = spec(
        "Classes have a title, a start time and an instructor. Loans: member, game, borrowed on.",
    );
    belongs_to(&s, "Class", "Instructor");
    assert!(!has_field(&s, "Class", "instructor"));
    belongs_to(&s, "Loan", "Member");
    assert!(entity_names(&s).contains(&"Instructor"));
}

#[test]
fn an_entity_named_after_a_phrase_is_listed_as_not_understood() {
    // "Actors appear in many series" has been read as an entity `ActorsAppear`: whatever the
    // analyzer makes of it, a name made of the phrase is never accepted in silence.
    let derived =
        derive("Actors appear in many series and a series has many actors. Actors have a name.");
    let names = entity_names(&derived.spec);
    assert!(names.contains(&"Actor"), "{names:?}");
    for phrase in names.iter().filter(|n| n.starts_with("Actors")) {
        let reason = not_understood(&derived, "Actors appear").expect("listed");
        assert!(
            reason.contains(&format!("{phrase} is a phrase, not the name of a thing")),
            "{reason}"
        );
    }
}

#[test]
fn the_access_words_of_an_authentication_sentence_are_not_listed_as_unread() {
    let derived = derive(
        "Posts have a title and a body. JWT authentication for creating posts; reading is public.",
    );
    assert!(
        derived.coverage.not_understood.is_empty(),
        "{:?}",
        derived.coverage.not_understood
    );
}

#[test]
fn hyphenated_enum_values_and_relation_roles_are_accounted_for() {
    let derived = derive(
        "Users have a name. Job posts have a title, an employment type (full-time, part-time or contract) and an owner (a user).",
    );
    assert_eq!(
        values(&derived.spec, "JobPost", "employment_type"),
        ["full_time", "part_time", "contract"]
    );
    assert!(
        derived.coverage.not_understood.is_empty(),
        "{:?}",
        derived.coverage.not_understood
    );
}

#[test]
fn a_column_type_after_a_field_name_is_its_type_not_part_of_its_name() {
    let s = spec(
        "installations: hostname string, installed_at datetime, bytes_sent bigint, log_url url, country char(2)",
    );
    assert_eq!(ty(&s, "Installation", "hostname"), FieldType::String);
    assert_eq!(ty(&s, "Installation", "bytes_sent"), FieldType::Integer);
    assert_eq!(ty(&s, "Installation", "log_url"), FieldType::Url);
    assert_eq!(ty(&s, "Installation", "country"), FieldType::String);
    // A type word that is also a word of names stays in a plain name.
    let s = spec("Photos have a photo url and a caption.");
    assert_eq!(ty(&s, "Photo", "photo_url"), FieldType::Url);
}

#[test]
fn a_requirement_naming_no_authentication_protects_every_write_with_an_api_key() {
    for text in [
        "A todo API: tasks have a title and a due date.",
        "Tasks have a title. Anyone can read tasks.",
        "Tasks have a title. Anyone can add tasks.",
    ] {
        let derived = derive(text);
        let s = &derived.spec;
        assert_eq!(s.auth.mode, AuthMode::ApiKey, "{text}");
        assert_eq!(
            s.auth.protect,
            [Operation::Create, Operation::Update, Operation::Delete],
            "{text}"
        );
        assert!(
            assumption_about(&derived, "auth"),
            "the choice is reported: {text}"
        );
        assert!(
            derived.coverage.not_understood.is_empty(),
            "{text}: {:?}",
            derived.coverage.not_understood
        );
    }
}

#[test]
fn a_requirement_asking_for_no_login_is_public_as_asked() {
    for text in [
        "A todo API: tasks have a title. No login needed.",
        "Tasks have a title. The service works without authentication.",
        "Tasks have a title. We don't need accounts.",
    ] {
        let derived = derive(text);
        assert_eq!(derived.spec.auth.mode, AuthMode::None, "{text}");
        let said = derived.assumptions.iter().any(|a| {
            a.subject == "auth" && a.message.contains("anyone can create, change and delete")
        });
        assert!(said, "{text}: {:?}", derived.assumptions);
    }
}

#[test]
fn a_generic_noun_after_a_naming_word_is_an_entity_and_alone_or_singular_is_not() {
    let s = spec("Maintenance requests have a description and a reported date. Rental units have a floor number.");
    assert_eq!(entity_names(&s), ["MaintenanceRequest", "RentalUnit"]);
    let s = spec("Stations have a name, a station code and a licence key.");
    assert_eq!(entity_names(&s), ["Station"]);
    assert!(has_field(&s, "Station", "station_code"));
    assert!(has_field(&s, "Station", "licence_key"));
    // Alone, the generic nouns name nothing the service stores.
    let derived =
        derive("Tasks have a title. The API handles requests and returns errors as JSON.");
    assert_eq!(entity_names(&derived.spec), ["Task"]);
    // As the subject of a statement that gives them fields, they do.
    let s = spec("A building has a name and a street address. Tests: code, name, turnaround in hours. Each pipeline has a status (queued, running, passed) and a start time.");
    assert_eq!(entity_names(&s), ["Building", "Pipeline", "Test"]);
    assert!(has_field(&s, "Building", "street_address"));
    assert_eq!(ty(&s, "Test", "turnaround_hours"), FieldType::Integer);
}

#[test]
fn a_field_named_again_or_a_filler_adverb_leaves_nothing_unread() {
    // "just" between a thing and its verb is filler; a field named by a second sentence is
    // what that sentence stands for, not a word left unread.
    let derived = derive(
        "Cars have a plate. Depots just have a name and an address. Depots also have a name and a phone.",
    );
    assert_eq!(entity_names(&derived.spec), ["Car", "Depot"]);
    for field in ["name", "address", "phone"] {
        assert!(has_field(&derived.spec, "Depot", field), "{field}");
    }
    assert!(
        derived.coverage.not_understood.is_empty(),
        "{:?}",
        derived.coverage.not_understood
    );
}

#[test]
fn values_after_a_field_inside_a_list_are_its_choices_and_yes_no_is_a_flag() {
    let s = spec("Tickets: title, status: open / closed / pending, urgent — yes/no, paid (y/n)");
    assert_eq!(entity_names(&s), ["Ticket"]);
    assert_eq!(
        values(&s, "Ticket", "status"),
        ["open", "closed", "pending"]
    );
    assert_eq!(ty(&s, "Ticket", "urgent"), FieldType::Bool);
    assert_eq!(ty(&s, "Ticket", "paid"), FieldType::Bool);
    let s = spec("## Runners\n- name\n- `os`: linux | macos | windows\n");
    assert_eq!(values(&s, "Runner", "os"), ["linux", "macos", "windows"]);
}

#[test]
fn fields_of_a_thing_read_as_an_enum_or_a_plural_read_as_one_text_are_listed_as_not_understood() {
    // Whatever the analyzer makes of these, a thing's fields taken for the values of a choice,
    // or several things kept as one text, are never accepted in silence.
    for (text, things) in [
        (
            "garden log: beds (name, location), plantings in each bed (date, variety, notes)",
            ["Bed", "Planting"],
        ),
        (
            "Warehouse records: each aisle's crates, with the crate label and the date packed.",
            ["Aisle", "Crate"],
        ),
    ] {
        let derived = derive(text);
        let read_right = things.iter().all(|t| derived.spec.entity(t).is_some());
        assert!(
            read_right || !derived.coverage.not_understood.is_empty(),
            "{text}: things lost in silence\n{}",
            derived.spec.to_yaml()
        );
        let misread = derived.spec.entities.iter().flat_map(|e| {
            e.fields.iter().filter(|f| {
                let enum_of_fields = f.ty == FieldType::Enum
                    && f.values
                        .iter()
                        .any(|v| ["name", "date", "location"].contains(&v.as_str()));
                let plural_text = f.ty == FieldType::String
                    && ["beds", "crates", "plantings"]
                        .iter()
                        .any(|p| f.name.ends_with(p));
                enum_of_fields || plural_text
            })
        });
        for field in misread {
            let reason = not_understood(&derived, &text[..12]).unwrap_or_else(|| {
                panic!(
                    "{} accepted in silence:\n{}",
                    field.name,
                    derived.spec.to_yaml()
                )
            });
            assert!(reason.contains(&field.name), "{reason}");
        }
    }
    // Real choices and attribute plurals stay understood.
    for text in [
        "Job posts have a title and a contract type (full-time, part-time, freelance).",
        "Volunteers have a name and skills (free text).",
    ] {
        let derived = derive(text);
        assert!(
            derived.coverage.not_understood.is_empty(),
            "{text}: {:?}",
            derived.coverage.not_understood
        );
    }
}

#[test]
fn the_six_example_prompts_are_read_whole_with_nothing_listed_as_not_understood() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/prompts");
    let entries: Vec<_> = std::fs::read_dir(&dir).expect("examples/prompts").collect();
    assert_eq!(entries.len(), 6, "{entries:?}");
    for entry in entries {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("prompt");
        let derived = derive(&text);
        assert!(
            derived.coverage.not_understood.is_empty(),
            "{}: {:?}",
            path.display(),
            derived.coverage.not_understood
        );
    }
}

#[test]
fn a_story_recording_something_for_each_thing_relates_it_to_that_thing() {
    let s = spec("As a teacher I want to record attendance for each lesson: which student and whether they were present. As a teacher I want to set homework for a class with a title and a due date.");
    belongs_to(&s, "Attendance", "Lesson");
    belongs_to(&s, "Attendance", "Student");
    belongs_to(&s, "Homework", "Class");
    assert!(!has_field(&s, "Attendance", "lesson"));
    assert_eq!(ty(&s, "Homework", "due_date"), FieldType::Date);
}

#[test]
fn has_without_an_article_is_a_flag_and_a_closing_preposition_stays_in_the_name() {
    let s = spec("- rooms: name, has projector, capacity\n- rate plans: code, valid from, valid until, detected by");
    assert_eq!(ty(&s, "Room", "has_projector"), FieldType::Bool);
    assert!(has_field(&s, "RatePlan", "valid_from"));
    assert!(has_field(&s, "RatePlan", "valid_until"));
    assert!(has_field(&s, "RatePlan", "detected_by"));
}

#[test]
fn question_items_name_the_amount_and_the_noun_asked_for() {
    let s = spec("A payment records which invoice was paid, how much was paid and on what date.");
    assert_eq!(ty(&s, "Payment", "amount"), FieldType::Decimal);
    assert_eq!(ty(&s, "Payment", "date"), FieldType::Date);
    belongs_to(&s, "Payment", "Invoice");
}

#[test]
fn a_clause_that_leaves_out_the_verb_of_the_one_before_is_read_with_it() {
    let derived =
        derive("A check-in logs which attendee scanned in at which gate. Gates have a label; attendees a name and a badge number.");
    let s = &derived.spec;
    assert!(has_field(s, "Attendee", "badge_number"));
    assert!(has_field(s, "Gate", "label"));
    assert!(
        derived.coverage.not_understood.is_empty(),
        "{:?}",
        derived.coverage.not_understood
    );
}

#[test]
fn a_unit_stays_in_the_name_and_a_trailing_text_is_the_type() {
    let s = spec("Trails have a name, a length in kilometres, a climb in metres, a walking time in minutes, a fee in euros and a description text.");
    assert_eq!(ty(&s, "Trail", "length_km"), FieldType::Float);
    assert_eq!(ty(&s, "Trail", "climb_m"), FieldType::Float);
    assert_eq!(ty(&s, "Trail", "walking_time_minutes"), FieldType::Integer);
    // A currency is the service's, not part of the field's meaning.
    assert_eq!(ty(&s, "Trail", "fee"), FieldType::Decimal);
    assert_eq!(ty(&s, "Trail", "description"), FieldType::Text);
}

#[test]
fn whether_someone_has_done_something_is_a_flag_named_by_the_participle() {
    let s = spec("Alerts have a metric name, a threshold value and whether someone has acknowledged it. Models have a name and how many of them we own.");
    assert_eq!(ty(&s, "Alert", "acknowledged"), FieldType::Bool);
    assert_eq!(ty(&s, "Model", "quantity"), FieldType::Integer);
}

#[test]
fn a_thing_the_text_speaks_of_in_the_plural_is_referred_to_by_a_lone_item() {
    let s = spec("Gates have a name and a location. Barrier events record the gate, the kind of event (entry, exit, manual open) and the time.");
    belongs_to(&s, "BarrierEvent", "Gate");
    assert!(!has_field(&s, "BarrierEvent", "gate"));
    let kind = s
        .entities
        .iter()
        .find(|e| e.name == "BarrierEvent")
        .expect("entity")
        .fields
        .iter()
        .find(|f| f.ty == FieldType::Enum)
        .expect("enum");
    assert_eq!(kind.values, ["entry", "exit", "manual_open"]);
    // A licence the text speaks of as "licences", with no sentence of its own.
    let s = spec("We track software licences for the office. Installations have a machine name, the licence and an install date.");
    belongs_to(&s, "Installation", "Licence");
}

#[test]
fn a_noun_that_is_also_a_verb_of_fields_names_the_thing_before_a_colon() {
    let s = spec("Each track: title, position, length in seconds. Each record: label, year.");
    assert!(has_field(&s, "Track", "position"));
    assert_eq!(ty(&s, "Track", "length_seconds"), FieldType::Integer);
    assert!(has_field(&s, "Record", "label"));
}

#[test]
fn tied_to_and_points_at_relate_two_things() {
    let s = spec("Events have a name. Promo codes have a code. Each promo code is tied to one event. Products have a name. Line items have a quantity. A line item can optionally point at a product. Bookings: member, class.");
    belongs_to(&s, "PromoCode", "Event");
    let optional = belongs_to(&s, "LineItem", "Product");
    assert!(!optional.required);
    belongs_to(&s, "Booking", "Class");
    // "… and opens one unit": a verb and one thing is a link; a thing's own head noun is a
    // field of it, not a link to itself.
    let s = spec("Units have a number. Keys: every physical key has a tag number and opens one unit. Promo codes have a code.");
    belongs_to(&s, "PhysicalKey", "Unit");
    assert!(has_field(&s, "PromoCode", "code"));
}

#[test]
fn a_line_ending_in_a_colon_or_in_bold_heads_the_list_under_it() {
    let s = spec("Printers:\n- model\n- nozzle size in mm\n\n**Spools**\n1. colour\n2. remaining weight in grams\n\nJobs have a name.\n");
    assert!(has_field(&s, "Printer", "model"));
    assert_eq!(ty(&s, "Printer", "nozzle_size_mm"), FieldType::Float);
    assert!(has_field(&s, "Spool", "colour"));
    assert!(has_field(&s, "Job", "name"));
    // The heading ends with its list: a later line is read on its own.
    assert_eq!(entity_names(&s), ["Job", "Printer", "Spool"]);
    let spool: Vec<&str> = s
        .entities
        .iter()
        .find(|e| e.name == "Spool")
        .expect("spool")
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(spool, ["colour", "remaining_weight_grams"]);
}

#[test]
fn a_thing_said_to_be_a_kind_with_fields_gets_the_fields() {
    let s = spec("Landlords are people with a name and an email. Referees are people too: name and grade. Requesters are customers with a name and a phone.");
    assert!(has_field(&s, "Landlord", "email"));
    assert!(has_field(&s, "Referee", "grade"));
    // A role of a thing of its own: the fields are the customers'.
    assert!(has_field(&s, "Customer", "phone"));
    assert!(!entity_names(&s).contains(&"Requester"));
}

#[test]
fn a_participle_and_a_preposition_before_a_thing_link_to_it() {
    let s = spec("Policies have a number. Claims are made against a policy, with an incident date and a description. Tables have a number. An order is placed at a table and has the time it was placed and a status (open, paid).");
    belongs_to(&s, "Claim", "Policy");
    assert_eq!(ty(&s, "Claim", "incident_date"), FieldType::Date);
    belongs_to(&s, "Order", "Table");
    assert_eq!(ty(&s, "Order", "placed_at"), FieldType::Datetime);
    assert_eq!(values(&s, "Order", "status"), ["open", "paid"]);
}

#[test]
fn two_statements_joined_by_and_are_read_apart_and_bundling_many_is_many_to_many() {
    let s = spec("Events have a name, a category and an age policy. The category is one of music, theatre or comedy, and the age policy is all ages, teens, or adults only.");
    assert_eq!(
        values(&s, "Event", "category"),
        ["music", "theatre", "comedy"]
    );
    assert_eq!(
        values(&s, "Event", "age_policy"),
        ["all_ages", "teens", "adults_only"]
    );
    let s = spec("Tests have a code. Panels have a name. Panels bundle many tests, and a test can be in several panels.");
    let join = s.entities.iter().find(|e| {
        let targets: Vec<&str> = e.relations.iter().map(|r| r.target.as_str()).collect();
        targets.contains(&"Test")
            && targets.contains(&"Panel")
            && e.name != "Test"
            && e.name != "Panel"
    });
    assert!(
        join.is_some(),
        "a join entity of panels and tests: {:?}",
        entity_names(&s)
    );
}

#[test]
fn a_chain_of_links_and_a_place_are_read_and_anything_else_after_them_is_left_as_written() {
    let s = spec("Performances have a start time. Customers have a name. Tickets are sold for a performance to a customer, with a price and a seat number.");
    belongs_to(&s, "Ticket", "Performance");
    belongs_to(&s, "Ticket", "Customer");
    assert_eq!(ty(&s, "Ticket", "price"), FieldType::Decimal);
    let s = spec(
        "Buildings have a name. Rooms are in a building and have a number and a monthly rent.",
    );
    belongs_to(&s, "Room", "Building");
    assert_eq!(ty(&s, "Room", "monthly_rent"), FieldType::Decimal);
    let s =
        spec("Every plant comes from one supplier. Suppliers have a name. Plants have a price.");
    belongs_to(&s, "Plant", "Supplier");
    // "… by an agent or the customer": not a list of links; left for the account to flag.
    let derived = derive("Tickets have a subject. Agents have a name. Replies are posted on a ticket by an agent or the customer, with a body.");
    assert!(not_understood(&derived, "Replies are posted").is_some());
}

#[test]
fn an_act_the_text_names_as_a_thing_links_the_two_things_its_verb_joins() {
    let s = spec("Musicians have a name. Parts have an instrument. Musicians can borrow parts; a borrowing has a due date and an optional note.");
    belongs_to(&s, "Borrowing", "Musician");
    belongs_to(&s, "Borrowing", "Part");
    assert!(entity(&s, "Part")
        .relations
        .iter()
        .all(|r| r.target != "Musician"));
    let s = spec("Patients have a name. Doctors have a name. Patients visit doctors. A visit records a diagnosis.");
    belongs_to(&s, "Visit", "Patient");
    belongs_to(&s, "Visit", "Doctor");
    let s = spec("Customers have a name. Cars have a plate. Customers rent cars. Each rental has a start date.");
    belongs_to(&s, "Rental", "Customer");
    belongs_to(&s, "Rental", "Car");
}

#[test]
fn a_line_that_introduces_its_own_subject_is_a_statement_of_its_own() {
    let s = spec("Inventory API.\nwarehouse: code string unique, city string\nproduct: sku string unique, name string, fragile bool\nstock level: warehouse, product, quantity int");
    assert!(field(&s, "Warehouse", "code").unique);
    assert_eq!(ty(&s, "Warehouse", "city"), FieldType::String);
    assert_eq!(ty(&s, "Product", "fragile"), FieldType::Bool);
    belongs_to(&s, "StockLevel", "Warehouse");
    assert_eq!(ty(&s, "StockLevel", "quantity"), FieldType::Integer);
}

#[test]
fn a_name_of_values_closed_by_or_is_a_choice_but_a_number_of_things_is_not() {
    let s = spec("Repairs have a description and an urgency of low, medium or high.");
    assert_eq!(values(&s, "Repair", "urgency"), ["low", "medium", "high"]);
    assert!(!has_field(&s, "Repair", "medium"));
    let s = spec("Bookings have a date, a number of adults and a number of children.");
    assert_eq!(ty(&s, "Booking", "number_of_adults"), FieldType::Integer);
}

#[test]
fn counts_and_renamed_reserved_words_keep_the_type_of_what_was_written() {
    let s = spec("Inspections have a date and the number of frames of brood. Talks have a title and an abstract.");
    assert_eq!(
        ty(&s, "Inspection", "number_of_frames_of_brood"),
        FieldType::Integer
    );
    assert_eq!(ty(&s, "Talk", "abstract_value"), FieldType::Text);
}

#[test]
fn a_title_ending_in_a_verb_like_noun_is_no_thing_and_an_adverb_is_never_part_of_a_name() {
    let s = spec("A fishing log. Catches have a weight.");
    assert_eq!(entity_names(&s), ["Catch"]);
    let derived =
        derive("Doctors have a name. Overdue invoices are escalated to the doctor automatically.");
    assert!(!entity_names(&derived.spec)
        .iter()
        .any(|n| n.contains("Automatically")));
    assert!(not_understood(&derived, "escalated").is_some());
}

#[test]
fn a_plural_of_records_before_a_colon_names_a_thing_and_a_verb_before_a_verb_is_a_noun() {
    let s = spec("Dentists: name. Treatments: code, name.\n- treatment records: patient, dentist, treatment, date, notes\n- patients: name");
    belongs_to(&s, "TreatmentRecord", "Dentist");
    belongs_to(&s, "TreatmentRecord", "Treatment");
    assert_eq!(ty(&s, "TreatmentRecord", "date"), FieldType::Date);
    assert!(!has_field(&s, "Treatment", "date"));
    let s = spec("Observing lists: a list has a name. Call logs record a duration.");
    assert!(has_field(&s, "ObservingList", "name"));
    assert!(has_field(&s, "CallLog", "duration"));
    // "Track expenses: each expense has …": the words before the colon say what to do.
    assert_eq!(
        entity_names(&spec("Track expenses: each expense has an amount.")),
        ["Expense"]
    );
}

#[test]
fn a_thing_named_before_a_clause_about_it_takes_the_fields_and_a_story_tellers_profile_is_theirs() {
    let derived = derive("Organisations we place volunteers with: a required name, an optional website and a minimum age that defaults to 16.");
    assert!(has_field(&derived.spec, "Organisation", "website"));
    assert!(!entity_names(&derived.spec).contains(&"Volunteer"));
    assert!(not_understood(&derived, "we place volunteers").is_some());
    let s = spec("As an author I want my profile to show my Twitter handle and my website. Posts have a title.");
    assert!(has_field(&s, "Author", "twitter_handle"));
    assert!(!entity_names(&s).contains(&"Profile"));
}

#[test]
fn capitalised_words_written_together_are_one_name_and_a_possessor_of_the_thing_itself_is_its_parent(
) {
    let s = spec("Declarations have a reference. DeclarationLine: declaration, commodity code, net mass kg (float). Repos have a GitHub link.");
    belongs_to(&s, "DeclarationLine", "Declaration");
    assert!(has_field(&s, "Repo", "github_link"));
    let s = spec("Queens: each hive's current queen, with her marking colour. Hives have a name.");
    belongs_to(&s, "Queen", "Hive");
    assert!(!has_field(&s, "Queen", "hive_current_queen"));
}

#[test]
fn two_words_sharing_a_plural_noun_are_two_fields_but_a_field_and_a_plural_are_not() {
    let s = spec("Trips have the departure and arrival times and a distance. Seasons have the start and end dates. Contacts have a name and phone numbers.");
    assert_eq!(ty(&s, "Trip", "departure_time"), FieldType::Datetime);
    assert_eq!(ty(&s, "Trip", "arrival_time"), FieldType::Datetime);
    assert_eq!(ty(&s, "Season", "end_date"), FieldType::Date);
    assert!(has_field(&s, "Contact", "name"));
    assert!(!has_field(&s, "Contact", "name_number"));
}

#[test]
fn a_record_that_says_which_thing_did_what_to_which_links_both_and_its_verb_is_read() {
    let derived = derive("Members have a card number. Books have a title. A loan says which member borrowed which book and whether it was returned.");
    belongs_to(&derived.spec, "Loan", "Member");
    belongs_to(&derived.spec, "Loan", "Book");
    assert!(
        derived.coverage.not_understood.is_empty(),
        "{:?}",
        derived.coverage.not_understood
    );
}

#[test]
fn what_someone_tracks_is_read_from_the_clause_after_the_colon_and_links_take_a_further_verb() {
    let s = spec("Our choir needs to track rehearsals: each rehearsal has a date and a venue. Singers have a name.");
    assert_eq!(ty(&s, "Rehearsal", "date"), FieldType::Date);
    let s = spec("Drugs have a name. Prescriptions are written by a doctor for a patient and list a drug, a dose and a frequency.");
    belongs_to(&s, "Prescription", "Doctor");
    belongs_to(&s, "Prescription", "Patient");
    belongs_to(&s, "Prescription", "Drug");
    assert!(has_field(&s, "Prescription", "dose"));
}

#[test]
fn a_verb_after_which_thing_is_cut_from_it_and_own_adds_nothing_to_what_is_owned() {
    let s = spec("Candidates have a name. Interviewers have a name. Interviews: which candidate met which interviewer, the scheduled time and a score.");
    belongs_to(&s, "Interview", "Candidate");
    belongs_to(&s, "Interview", "Interviewer");
    assert!(!entity_names(&s).contains(&"CandidateMet"));
    let s = spec("Branches have a city. Each branch keeps its own cars. Cars have a plate.");
    belongs_to(&s, "Car", "Branch");
    assert!(!has_field(&s, "Branch", "own_cars"));
}

#[test]
fn schema_lines_give_types_after_names_and_who_did_it_is_a_by_field() {
    let s = spec("Box office data.\nseason: title string unique, opens date, closes date\nshow: name string, genre string\nSeasonShow: season, show, weeks int");
    assert_eq!(ty(&s, "Season", "opens"), FieldType::Date);
    assert!(!has_field(&s, "Season", "opens_date"));
    belongs_to(&s, "SeasonShow", "Season");
    belongs_to(&s, "SeasonShow", "Show");
    // Prose keeps "a start date" a name.
    assert!(has_field(
        &spec("Tasks have a title and a start date."),
        "Task",
        "start_date"
    ));
    let s = spec("Props: each prop has a name and who made it; productions only need a title.");
    assert!(has_field(&s, "Prop", "made_by"));
    assert!(has_field(&s, "Production", "title"));
    let s =
        spec("As a stage manager I want to keep track of props: each prop has a name and a scene.");
    assert!(has_field(&s, "Prop", "scene"));
    assert!(!entity_names(&s).contains(&"Keep"));
}

#[test]
fn a_singular_head_word_names_the_thing_called_by_it_in_full_but_a_plural_one_is_its_own() {
    let s = spec("Print jobs have a title. Each job belongs to a printer. Printers have a model.");
    belongs_to(&s, "PrintJob", "Printer");
    assert!(!entity_names(&s).contains(&"Job"));
    let s = spec("Staff members have a name and a role. Members have a card number and an email.");
    assert!(has_field(&s, "Member", "card_number"));
    assert!(!has_field(&s, "StaffMember", "card_number"));
}

#[test]
fn the_people_an_access_rule_speaks_of_are_part_of_it_but_a_role_is_not_understood() {
    let derived = derive("A blog API. Posts have a title and a body. Only authenticated users can create posts; reading is public.");
    assert!(
        derived.coverage.not_understood.is_empty(),
        "{:?}",
        derived.coverage.not_understood
    );
    // Roles are not modelled: a rule for admins alone is listed, never silently widened.
    let derived = derive("Notes have a title. Admins only may delete notes. Use JWT.");
    assert!(not_understood(&derived, "Admins only").is_some());
}
