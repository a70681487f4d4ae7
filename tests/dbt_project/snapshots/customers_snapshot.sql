{% snapshot customers_snapshot %}
{{ config(target_schema=target.schema, unique_key='customer_id', strategy='check', check_cols=['email']) }}

select customer_id, name, email from {{ ref('stg_customers') }}

{% endsnapshot %}
